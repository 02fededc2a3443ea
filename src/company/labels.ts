/** The status machine's states, in the order used to pick the "most advanced" one. */
export const statuses = ['todo', 'in-progress', 'waiting', 'needs-approval', 'blocked', 'review', 'done'] as const
export type Status = (typeof statuses)[number]

export const statusLabel = (status: Status) => `status:${status}`
export const agentLabel = (slug: string) => `agent:${slug}`

export const GOAL_LABEL = 'gaffer:goal'
export const NEEDS_HUMAN_LABEL = 'needs-human'
export const HOLD_LABEL = 'do-not-merge/hold'
export const priorityLabels = ['priority:p0', 'priority:p1', 'priority:p2', 'priority:p3'] as const

export function isStatus(value: string): value is Status {
  return (statuses as readonly string[]).includes(value)
}

/** Status values named by the item's `status:` labels, in label order. */
export function statusesIn(labels: readonly string[]): Status[] {
  return labels.flatMap((label) => {
    const value = label.startsWith('status:') ? label.slice('status:'.length) : ''
    return isStatus(value) ? [value] : []
  })
}

export function mostAdvanced(found: readonly Status[]): Status | undefined {
  return [...found].sort((a, b) => statuses.indexOf(b) - statuses.indexOf(a))[0]
}

/** The owner named by the first `agent:` label. */
export function ownerIn(labels: readonly string[]): string | undefined {
  return labels.find((label) => label.startsWith('agent:'))?.slice('agent:'.length)
}

export function priorityIn(labels: readonly string[]): 0 | 1 | 2 | 3 | undefined {
  const label = priorityLabels.find((candidate) => labels.includes(candidate))
  return label === undefined ? undefined : (Number(label.slice(-1)) as 0 | 1 | 2 | 3)
}
