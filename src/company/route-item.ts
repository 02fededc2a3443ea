import type { Roster } from '../roster/roster.ts'
import { agentLabel, GOAL_LABEL, mostAdvanced, ownerIn, statusesIn, statusLabel, type Status } from './labels.ts'

export type RoutingInput = { state: 'open' | 'closed'; labels: readonly string[] }

export type Routing = {
  add: string[]
  remove: string[]
  /** Set when status labels were repaired; the app posts it once as a comment. */
  repairNote: string | undefined
  /** The owner and status the item has once the changes are applied. */
  owner: string | undefined
  status: Status | undefined
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
    if (item.labels.includes(GOAL_LABEL)) {
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

  return { add, remove, repairNote, owner, status, reason: reasons.join('; ') || 'nothing to change' }
}
