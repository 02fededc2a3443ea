import type { ToolContext } from '../tool.ts'

/** The note that puts an item in front of its approvers (mentions are Gaffer's own words, so they are kept). */
export function approvalNote(ctx: ToolContext, summary: string): string {
  const approvers = ctx.owners.length > 0 ? ctx.owners.map((login) => `@${login}`).join(' ') : 'A maintainer'
  return `${approvers}: approval needed.\n\n${summary}\n\nComment \`/approve\` to let ${ctx.agent.name} go ahead, or \`/reject <reason>\` to stop it.`
}
