/**
 * Who spends shared quota first (SPEC §17): people's actions (webhook deliveries, among
 * them commands) and p0 items, then heartbeats by their item's priority, then the
 * reconcile sweep.
 */
export type QuotaLane = 'urgent' | 'heartbeat' | 'sweep'

/** The work asking for quota: its lane and, for a heartbeat, the priority score of the item it works (0–1000). */
export type QuotaPriority = { lane: QuotaLane; score?: number }

const laneBase: Record<QuotaLane, number> = { urgent: 0, heartbeat: 2_000, sweep: 4_000 }

/** The share of a bucket each lane leaves untouched, so a low bucket still serves better work at once. */
const laneReserve: Record<QuotaLane, number> = { urgent: 0, heartbeat: 0.02, sweep: 0.1 }

/** Lower goes first: the lane, then the item's score (higher first) within it. */
export function quotaRank(priority: QuotaPriority): number {
  const score = Math.max(0, Math.min(1000, priority.score ?? 0))
  return laneBase[priority.lane] + (1000 - score)
}

/** The share of a bucket's capacity an ask of this lane must leave. */
export function quotaReserve(priority: QuotaPriority): number {
  return laneReserve[priority.lane]
}

/** A p0 item is worked in the urgent lane, ahead of every other heartbeat. */
export function itemQuotaPriority(item: { priorityLabel: number | undefined; score: number }): QuotaPriority {
  return { lane: item.priorityLabel === 0 ? 'urgent' : 'heartbeat', score: item.score }
}
