/** The slash commands of SPEC §8. */
export const commandNames = ['approve', 'reject', 'unblock', 'assign', 'priority', 'hold', 'unhold', 'pause', 'resume', 'status'] as const
export type CommandName = (typeof commandNames)[number]

export type Command = { name: CommandName; args: string }

/**
 * The commands in a comment: a command is the first word of a line, outside fenced code
 * blocks, case-insensitive; the rest of the line is its argument. Unknown `/words`
 * are not commands.
 */
export function parseCommands(body: string): Command[] {
  const commands: Command[] = []
  let fence: string | undefined
  for (const line of body.split(/\r?\n/)) {
    const opener = /^\s{0,3}(`{3,}|~{3,})/.exec(line)?.[1]
    if (opener) {
      if (fence === undefined) fence = opener
      else if (opener[0] === fence[0] && opener.length >= fence.length) fence = undefined
      continue
    }
    if (fence !== undefined || /^( {4}|\t)/.test(line)) continue
    const match = /^\s*\/([a-z]+)(?:\s+(.*))?$/i.exec(line)
    const name = match?.[1]?.toLowerCase()
    if (name && (commandNames as readonly string[]).includes(name)) {
      commands.push({ name: name as CommandName, args: (match?.[2] ?? '').trim() })
    }
  }
  return commands
}

export type Access = 'admin' | 'maintain' | 'write' | 'triage' | 'read' | 'none'

const rank: Record<Access, number> = { none: 0, read: 1, triage: 2, write: 3, maintain: 4, admin: 5 }

export type Actor = { login: string; isBot: boolean; access: Access; isApprover: boolean; isAuthor: boolean }

/** Who may run a command (SPEC §8); a refusal says why, in a sentence for the reply. */
export function mayRun(command: CommandName, actor: Actor): { ok: true } | { ok: false; reason: string } {
  const refuse = (reason: string) => ({ ok: false as const, reason })
  switch (command) {
    case 'status':
      return { ok: true }
    case 'hold':
    case 'unhold':
      return rank[actor.access] >= rank.triage ? { ok: true } : refuse(`/${command} needs triage access to this repository`)
    case 'pause':
    case 'resume':
      return rank[actor.access] >= rank.maintain ? { ok: true } : refuse(`/${command} needs the admin or maintain role on this repository`)
    default:
      if (actor.isBot) return refuse('bots never approve or decide for people')
      if (command === 'approve' && actor.isAuthor) return refuse('the author of an item cannot approve it; ask another maintainer')
      return rank[actor.access] >= rank.write || actor.isApprover
        ? { ok: true }
        : refuse(`/${command} needs write access to this repository or to be a listed approver`)
  }
}
