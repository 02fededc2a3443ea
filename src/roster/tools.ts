/** Every tool an agent may hold (SPEC §7). */
export const toolNames = [
  'comment',
  'delegate',
  'set_status',
  'request_approval',
  'read_issue',
  'search_issues',
  'list_files',
  'read_file',
  'propose_change',
  'review_pull_request',
  'read_pull_request',
  'unblock',
  'escalate',
] as const

export type ToolName = (typeof toolNames)[number]

export function isToolName(name: string): name is ToolName {
  return (toolNames as readonly string[]).includes(name)
}

/** Tools only an agent with direct reports may hold: they act on reports' items. */
export const managerOnlyTools: readonly ToolName[] = ['delegate', 'unblock', 'escalate']

/** Tools reserved to reviewers. */
export const reviewerTools: readonly ToolName[] = ['review_pull_request', 'read_pull_request']
