import { itemQuotaPriority, quotaRank } from './quota-rank.ts'

/** An item as the give-back rule ranks it: its priority label (0–3, or none) and its score. */
export type RankedItem = { number: number; priorityLabel: number | undefined; score: number }

/**
 * A claim a heartbeat holds: whether its work is waiting for quota now, and whether
 * everything it did since its claim is safe to do again (it has sent GitHub no write
 * beyond the claim's own label move).
 */
export type HeldClaim = RankedItem & { waitingForQuota: boolean; redoSafe: boolean }

/**
 * How much better, in quota rank, a ready item must be than a held claim to take its
 * slot: half the gap between two priority labels. Giving a claim back costs two label
 * writes and the redo of what it did; two items of about the same priority are not
 * worth that. A p0 is in the urgent lane, a thousand ahead of any other item.
 */
const GIVE_BACK_MARGIN = 100

/**
 * Which held claims to give back so that better ready work gets their slots (SPEC §17:
 * p0 never waits behind p3). Only a claim that waits for quota and can be redone safely
 * is given back, worst first; the best ready items take the agent's free slots first,
 * then each next one displaces the worst such claim if it ranks at least
 * `GIVE_BACK_MARGIN` above it. `ready` must not contain held items.
 */
export function claimsToGiveBack(input: { held: readonly HeldClaim[]; ready: readonly RankedItem[]; freeSlots: number }): number[] {
  const rank = (item: RankedItem) => quotaRank(itemQuotaPriority({ priorityLabel: item.priorityLabel, score: item.score }))
  const better = [...input.ready].sort((a, b) => rank(a) - rank(b) || a.number - b.number).slice(Math.max(0, input.freeSlots))
  const givable = input.held.filter((claim) => claim.waitingForQuota && claim.redoSafe).sort((a, b) => rank(b) - rank(a) || b.number - a.number)
  const giveBack: number[] = []
  for (const [index, claim] of givable.entries()) {
    const candidate = better[index]
    if (candidate === undefined || rank(candidate) + GIVE_BACK_MARGIN > rank(claim)) break
    giveBack.push(claim.number)
  }
  return giveBack
}
