import type { StatusEvent } from '../company/status-machine.ts'
import { priorityIn } from '../company/labels.ts'
import { itemQuotaPriority } from '../company/quota-rank.ts'
import type { Octokit } from '../github/octokit.ts'
import type { Logger } from '../log.ts'
import { blockItem, escalationDepsFor } from '../mirror/escalation.ts'
import { moveItem } from '../mirror/move-item.ts'
import { withQuotaPriority, type QuotaWatch } from '../quota/quota-priority.ts'
import type { Agent } from '../roster/schema.ts'
import { handBackClaim, releaseClaim, renewLease, returnUnfinished, type Lease, type ReturnedItem } from '../store/claims.ts'
import { finishItemRun, type ItemRunOutcome } from '../store/item-runs.ts'
import { getWorkItem, type WorkItem } from '../store/work-items.ts'
import type { HeartbeatDeps, WorkResult } from './heartbeat.ts'
import { createItemHandle } from './item-handle.ts'

/**
 * One claim while it is worked, as its heartbeat holds it: what the quota reports of its
 * work (`watch`), and `giveBack`, which the heartbeat aborts to take the claim back for
 * better work while it waits for quota (SPEC §17). `released` is called once the claim no
 * longer holds the item (a given-back one before its labels follow on GitHub, so the
 * better item can take its slot at once); the first call counts.
 */
export type HeldWork = { item: WorkItem; watch: QuotaWatch; giveBack: AbortController; released: (givenBack?: boolean) => void }

type Claim = { agent: Agent; item: WorkItem; octokit: Octokit; lease: Lease; log: Logger; held: HeldWork }

/**
 * Works one claimed item to its end: moves its labels on GitHub, renews its lease, gives
 * it its own abort signal (a stop, the claim lost, or given back), and afterwards releases
 * the claim, hands it back or returns it to the queue, and closes the item's run record.
 * The budget its claim reserved lapses with the claim; the work step charges what it spent.
 */
export async function workClaimedItem(deps: HeartbeatDeps, claim: Claim): Promise<WorkResult> {
  const { repository, number } = claim.item
  let ending: { outcome: ItemRunOutcome; error: string | null } = { outcome: 'failed', error: 'the work ended without a result' }
  let result: WorkResult | undefined
  try {
    const worked = await workItem(deps, claim)
    result = worked.result
    ending = worked.handedBack
      ? { outcome: 'handed-back', error: result.error ?? null }
      : { outcome: result.error === undefined ? 'worked' : 'failed', error: result.error ?? null }
    return result
  } catch (error) {
    ending = { outcome: 'failed', error: (error as Error).message }
    throw error
  } finally {
    await finishItemRun(
      deps.pool,
      { runId: claim.lease.runId, repository, number },
      { ...ending, tokens: result?.tokens ?? 0, costUsd: result?.costUsd ?? 0 },
    ).catch((error: unknown) => claim.log.error({ err: error, item: `${repository}#${number}` }, 'could not record the end of an item run'))
    claim.held.released()
  }
}

/**
 * The claim's label move and the work, in the item's quota rank: p0 first, then by score
 * (SPEC §17). Both run under the claim's watch, so the heartbeat sees them wait for quota
 * and can give the claim back at a safe point: while the label move waits (GitHub still
 * says `todo`), or once it is done and the work has sent GitHub nothing since (what the
 * work did — reads, model calls, its own records — is safe to do again). How the claim
 * ends is not the work's, and does not run under the watch: a given-back claim's watch
 * refuses every ask.
 */
async function workItem(deps: HeartbeatDeps, claim: Claim): Promise<{ result: WorkResult; handedBack: boolean }> {
  const { agent, octokit, lease } = claim
  const { watch, giveBack } = claim.held
  const { repository, number } = claim.item
  const rank = itemQuotaPriority({ priorityLabel: priorityIn(claim.item.labels), score: claim.item.priority_score })
  const item = createItemHandle(deps.pool, claim.item)
  const log = claim.log.child({ item: `${repository}#${number}` })
  const writer = { ...deps, log }
  const controller = new AbortController()
  const onGiveBack = () => controller.abort(giveBack.signal.reason)
  giveBack.signal.addEventListener('abort', onGiveBack, { once: true })
  // Renewed from the claim on: the claim's label write may wait for quota longer than a lease (SPEC §17).
  const renew = setInterval(() => {
    renewLease(deps.pool, repository, number, lease).then(
      (held) => held || controller.abort(new Error('the claim was lost')),
      () => {},
    )
  }, lease.leaseMs / 3)
  const stopRenewing = () => {
    clearInterval(renew)
    giveBack.signal.removeEventListener('abort', onGiveBack)
  }
  // The winner moves the labels on GitHub in one request; if that fails, the claim goes back untouched.
  try {
    const moved = await withQuotaPriority(
      rank,
      () => moveItem(writer, octokit, { ...item.get(), status: 'todo' }, 'claim', { mirrorMoved: true, actor: agent.slug }),
      watch,
    )
    if (moved.ok) item.set({ ...item.get(), labels: moved.labels })
  } catch (error) {
    stopRenewing()
    const handedBack = await handBackClaim(deps.pool, repository, number, lease.runId)
    if (!giveBack.signal.aborted) throw error
    log.info({ reason: (giveBack.signal.reason as Error).message }, 'claim given back before its labels moved')
    claim.held.released(handedBack)
    return { result: { tokens: 0, costUsd: 0 }, handedBack }
  }
  // A hand-back undoes the claim's label move: only what the work sends from here on would be repeated.
  watch.writes = 0
  const onStop = () => controller.abort(new Error('Gaffer is stopping'))
  deps.stopSignal?.addEventListener('abort', onStop)
  // Tools may change the item directly (blocking it, say), so the status is read back before each decision.
  const setStatus = async (event: StatusEvent, note?: string): Promise<boolean> => {
    const current = await item.refresh()
    // Every block is the same block (SPEC §6): reason recorded, the manager or the humans asked.
    const moved =
      event === 'block'
        ? await blockItem(escalationDepsFor(deps, repository), octokit, current, note ?? 'no reason was given', {
            event: 'block',
            heldBy: lease.runId,
          })
        : (await moveItem(writer, octokit, current, event, { note, actor: agent.slug, heldBy: lease.runId })).ok
    await item.refresh()
    return moved
  }
  let result: WorkResult | undefined
  let handedBack = false
  try {
    result = await withQuotaPriority(rank, () => deps.work({ agent, item, octokit, runId: lease.runId, setStatus, signal: controller.signal }), watch)
  } catch (error) {
    // Given back: what failed was an ask the give-back called off, not the item's work.
    if (!giveBack.signal.aborted) throw error
  } finally {
    stopRenewing()
    deps.stopSignal?.removeEventListener('abort', onStop)
    const { status } = await item.refresh()
    if (status === 'in-progress' && (deps.stopSignal?.aborted || result?.handBack || giveBack.signal.aborted)) {
      handedBack = await handBackClaim(deps.pool, repository, number, lease.runId)
      if (handedBack) {
        if (giveBack.signal.aborted) {
          log.info({ reason: (giveBack.signal.reason as Error).message }, 'claim given back while it waited for quota')
          claim.held.released(true)
        }
        await withQuotaPriority(rank, () =>
          moveItem(writer, octokit, { ...item.get(), status: 'in-progress' }, 'hand_back', { mirrorMoved: true, actor: agent.slug }),
        )
      }
    } else if (status === 'in-progress') {
      const returned = await returnUnfinished(deps.pool, repository, number, lease.runId, deps.maxAttempts)
      if (returned) await withQuotaPriority(rank, () => mirrorReturned(deps, octokit, returned))
    } else {
      await releaseClaim(deps.pool, repository, number, lease.runId)
    }
  }
  // A given-back claim's work ended on purpose: nothing it reports is a failure of the item.
  if (giveBack.signal.aborted) return { result: { tokens: result?.tokens ?? 0, costUsd: result?.costUsd ?? 0 }, handedBack }
  return { result: result!, handedBack }
}

/** Puts a handed-back item's status on GitHub: `todo`, or blocked and escalated once its attempts are spent. */
export async function mirrorReturned(
  deps: Pick<HeartbeatDeps, 'pool' | 'log' | 'rosters' | 'settings' | 'wake' | 'botLogin' | 'metrics'>,
  octokit: Octokit,
  item: ReturnedItem,
): Promise<void> {
  // The lease statement already moved the mirror out of in-progress; GitHub follows through the status writer.
  if (item.status !== 'blocked') {
    await moveItem(deps, octokit, { ...item, status: 'in-progress' }, 'lease_expired', { mirrorMoved: true })
    return
  }
  const current = await getWorkItem(deps.pool, item.repository, item.number)
  if (!current) return
  await blockItem(
    escalationDepsFor(deps, item.repository),
    octokit,
    { ...current, status: 'in-progress' },
    `${item.blocked_reason ?? 'its work kept being interrupted'}; a person or the owner's manager needs to look at it before it is tried again`,
    { event: 'attempts_exhausted', mirrorMoved: true },
  )
}
