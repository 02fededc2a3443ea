import type { Roster } from '../roster/roster.ts'
import { agentLabel, GOAL_LABEL, mostAdvanced, ownerIn, statusesIn, statusLabel, type Status } from './labels.ts'

export type RoutingInput = {
  state: 'open' | 'closed'
  labels: readonly string[]
  kind?: 'issue' | 'pull'
  /** For a pull request opened by an agent: that agent. */
  authorAgent?: string | undefined
}

/**
 * The reviewer for a pull request: the one whose `handles` label it carries, else the
 * reviewer nearest the author's manager (a reviewer reporting to that manager, then to
 * the manager's manager, …), else any reviewer.
 */
export function reviewerFor(roster: Roster, pull: { labels: readonly string[]; authorAgent?: string | undefined }): string | undefined {
  const reviewers = roster.agents.filter((agent) => agent.role === 'reviewer')
  const byLabel = pull.labels.map((label) => roster.handlerOf(label)).find((agent) => agent?.role === 'reviewer')
  if (byLabel) return byLabel.slug
  for (let manager = roster.managerOf(pull.authorAgent ?? ''); manager; manager = roster.managerOf(manager.slug)) {
    const near = reviewers.find((reviewer) => reviewer.reportsTo === manager!.slug)
    if (near) return near.slug
  }
  return reviewers[0]?.slug
}

export type Routing = {
  add: string[]
  remove: string[]
  /** Set when status labels were repaired; the app posts it once as a comment. */
  repairNote: string | undefined
  /** The owner and status the item has once the changes are applied. */
  owner: string | undefined
  status: Status | undefined
  /** The slug of an `agent:` label that names no agent in the roster; the app says so once. */
  unknownOwner: string | undefined
  reason: string
}

/**
 * Decides the label changes SPEC §4 asks for: goals go to the CEO, a `handles` label
 * routes to its agent, an owned item without a status becomes `todo`, and two status
 * labels collapse to the most advanced one. Items nobody gave to an agent are left alone.
 */
export function routeItem(item: RoutingInput, roster: Roster): Routing {
  const add: string[] = []
  const remove: string[] = []
  const reasons: string[] = []
  let repairNote: string | undefined

  const found = statusesIn(item.labels)
  let status = mostAdvanced(found)
  if (found.length > 1 && status !== undefined) {
    const extra = [...new Set(found.filter((s) => s !== status))]
    remove.push(...extra.map(statusLabel))
    repairNote = `This item had ${found.length} status labels; kept \`${statusLabel(status)}\` (the most advanced) and removed ${extra.map((s) => `\`${statusLabel(s)}\``).join(', ')}. An item carries exactly one status label.`
    reasons.push('repaired status labels')
  }

  let owner = ownerIn(item.labels)
  if (item.state === 'open' && owner === undefined) {
    if (item.kind === 'pull') {
      owner = reviewerFor(roster, item)
      if (owner) reasons.push(`pull request goes to reviewer ${owner}`)
    } else if (item.labels.includes(GOAL_LABEL)) {
      owner = roster.ceo.slug
      reasons.push('goal goes to the CEO')
    } else {
      const handler = item.labels.map((label) => roster.handlerOf(label)).find((agent) => agent !== undefined)
      if (handler) {
        owner = handler.slug
        reasons.push(`routed by a label ${handler.slug} handles`)
      }
    }
    if (owner !== undefined) add.push(agentLabel(owner))
  }

  if (item.state === 'open' && owner !== undefined && roster.get(owner) !== undefined && status === undefined) {
    status = 'todo'
    add.push(statusLabel(status))
    reasons.push('owned item without a status is ready')
  }

  // A typo in an `agent:` label would leave the item waiting for nobody without a word.
  const unknownOwner = item.state === 'open' && owner !== undefined && roster.get(owner) === undefined ? owner : undefined
  if (unknownOwner !== undefined) reasons.push(`no agent ${unknownOwner} in the roster`)

  return { add, remove, repairNote, owner, status, unknownOwner, reason: reasons.join('; ') || 'nothing to change' }
}
