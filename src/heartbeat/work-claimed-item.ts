import type { StatusEvent } from '../company/status-machine.ts'
import { priorityIn } from '../company/labels.ts'
import { itemQuotaPriority } from '../company/quota-rank.ts'
import type { Octokit } from '../github/octokit.ts'
import type { Logger } from '../log.ts'
import { blockItem, escalationDepsFor } from '../mirror/escalation.ts'
import { moveItem } from '../mirror/move-item.ts'
import { withQuotaPriority } from '../quota/quota-priority.ts'
import type { Agent } from '../roster/schema.ts'
import { handBackClaim, releaseClaim, renewLease, returnUnfinished, type Lease, type ReturnedItem } from '../store/claims.ts'
import { finishItemRun, type ItemRunOutcome } from '../store/item-runs.ts'
import { getWorkItem, type WorkItem } from '../store/work-items.ts'
import type { HeartbeatDeps, WorkResult } from './heartbeat.ts'
import { createItemHandle } from './item-handle.ts'

/**
 * Works one claimed item to its end: moves its labels on GitHub, renews its lease, gives
 * it its own abort signal (a stop, or the claim lost), and afterwards releases the claim,
 * hands it back or returns it to the queue, and closes the item's run record. The budget
 * its claim reserved lapses with the claim; the work step charges what it spent.
 */
export async function workClaimedItem(
  deps: HeartbeatDeps,
  claim: { agent: Agent; item: WorkItem; octokit: Octokit; lease: Lease; log: Logger },
): Promise<WorkResult> {
  const { repository, number } = claim.item
  let ending: { outcome: ItemRunOutcome; error: string | null } = { outcome: 'failed', error: 'the work ended without a result' }
  let result: WorkResult | undefined
  try {
    // The item's GitHub requests and model calls wait for quota in its rank: p0 first, then by score (SPEC §17).
    const rank = itemQuotaPriority({ priorityLabel: priorityIn(claim.item.labels), score: claim.item.priority_score })
    const worked = await withQuotaPriority(rank, () => workItem(deps, claim))
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
  }
}

async function workItem(
  deps: HeartbeatDeps,
  claim: { agent: Agent; item: WorkItem; octokit: Octokit; lease: Lease; log: Logger },
): Promise<{ result: WorkResult; handedBack: boolean }> {
  const { agent, octokit, lease } = claim
  const { repository, number } = claim.item
  const item = createItemHandle(deps.pool, claim.item)
  const log = claim.log.child({ item: `${repository}#${number}` })
  const writer = { ...deps, log }
  const controller = new AbortController()
  // Renewed from the claim on: the claim's label write may wait for quota longer than a lease (SPEC §17).
  const renew = setInterval(() => {
    renewLease(deps.pool, repository, number, lease).then(
      (held) => held || controller.abort(new Error('the claim was lost')),
      () => {},
    )
  }, lease.leaseMs / 3)
  // The winner moves the labels on GitHub in one request; if that fails, the claim goes back untouched.
  try {
    const moved = await moveItem(writer, octokit, { ...item.get(), status: 'todo' }, 'claim', { mirrorMoved: true, actor: agent.slug })
    if (moved.ok) item.set({ ...item.get(), labels: moved.labels })
  } catch (error) {
    clearInterval(renew)
    await handBackClaim(deps.pool, repository, number, lease.runId)
    throw error
  }
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
    result = await deps.work({ agent, item, octokit, runId: lease.runId, setStatus, signal: controller.signal })
  } finally {
    clearInterval(renew)
    deps.stopSignal?.removeEventListener('abort', onStop)
    const { status } = await item.refresh()
    if (status === 'in-progress' && (deps.stopSignal?.aborted || result?.handBack)) {
      handedBack = await handBackClaim(deps.pool, repository, number, lease.runId)
      if (handedBack) {
        await moveItem(writer, octokit, { ...item.get(), status: 'in-progress' }, 'hand_back', { mirrorMoved: true, actor: agent.slug })
      }
    } else if (status === 'in-progress') {
      const returned = await returnUnfinished(deps.pool, repository, number, lease.runId, deps.maxAttempts)
      if (returned) await mirrorReturned(deps, octokit, returned)
    } else {
      await releaseClaim(deps.pool, repository, number, lease.runId)
    }
  }
  return { result, handedBack }
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
