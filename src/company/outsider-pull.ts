import { atLeast, type Access } from './access.ts'

/** What happens to a pull request from someone without write access (GAFFER_OUTSIDER_PULLS). */
export type OutsiderPulls = 'hold' | 'route'

/**
 * Whether a pull request's routing may have to wait for a writer: only when the policy
 * holds, the item is a pull request nobody has routed yet (no status), and its author
 * is a person. Bots and the app route as always. Cheap: it asks GitHub for nothing.
 */
export function mayHoldPull(input: {
  policy: OutsiderPulls
  kind: 'issue' | 'pull'
  status: string | null
  author: string | null
  botLogin: string
}): boolean {
  if (input.policy !== 'hold' || input.kind !== 'pull' || input.status !== null) return false
  return input.author === null || (input.author !== input.botLogin && !input.author.endsWith('[bot]'))
}

/** A label that releases a held pull request: an owner (`agent:…`) or a label some agent handles. */
export function releasesPull(label: string, handled: (label: string) => boolean): boolean {
  return label.startsWith('agent:') || handled(label)
}

/**
 * An outsider's pull request (author below write) is not routed to a reviewer, so it
 * spends no model budget, until a writer releases it by adding a releasing label
 * (`releasedByWriter`) or `/assign`s it (which gives it an owner and a status, after
 * which `mayHoldPull` no longer asks).
 */
export function holdsPull(input: { authorAccess: Access; releasedByWriter: boolean }): boolean {
  return !atLeast(input.authorAccess, 'write') && !input.releasedByWriter
}

/** Whether this person may release a held pull request. */
export function mayRelease(access: Access): boolean {
  return atLeast(access, 'write')
}

/** The one note on a held pull request. */
export function outsiderPullNote(handledLabels: readonly string[]): string {
  const labels = handledLabels.length > 0 ? ` (for example ${handledLabels.map((label) => `\`${label}\``).join(', ')})` : ''
  return `Thanks! A maintainer needs to label this pull request${labels} or \`/assign\` it before Gaffer's reviewer looks at it.`
}
