import type { StatusEvent } from '../company/status-machine.ts'
import { countRequests } from '../github/count-requests.ts'
import type { EtagCache } from '../github/etag-cache.ts'
import type { Octokit } from '../github/octokit.ts'
import { readItem } from '../github/read-item.ts'
import type { Logger } from '../log.ts'
import type { Metrics } from '../metrics/metrics.ts'
import type { RosterRegistry } from '../mirror/roster-registry.ts'
import { syncItem } from '../mirror/sync-item.ts'
import { blockItem, escalationDepsFor } from '../mirror/escalation.ts'
import { moveItem } from '../mirror/move-item.ts'
import type { Agent } from '../roster/schema.ts'
import { createItemHandle, type ItemHandle } from './item-handle.ts'
import {
  bestReadyItems,
  claimNextReady,
  hasReadyItem,
  handBackClaim,
  releaseClaim,
  releaseExpiredLeases,
  renewLease,
  returnUnfinished,
  type Lease,
  type ReturnedItem,
} from '../store/claims.ts'
import {
  acquireAgentLease,
  closeAbandonedRuns,
  finishRun,
  isAgentPaused,
  recordFire,
  releaseAgentLease,
  runIdForFire,
  type Fire,
  type RunOutcome,
} from '../store/heartbeat-runs.ts'
import { rollBudgetMonth } from '../store/budgets.ts'
import type { Pool } from '../store/pool.ts'
import { getWorkItem, type WorkItem } from '../store/work-items.ts'

/** What the work step reports back for one claimed item (and the escalation step for the blocks it handled). */
export type WorkResult = {
  tokens: number
  costUsd: number
  handled?: number
  /** Why the work failed (the model call, say): the run is recorded as failed with it. */
  error?: string
  /** Give the claim back without counting an attempt: the failure was not the item's (a model outage). */
  handBack?: boolean
}

export type WorkContext = {
  agent: Agent
  /** The claimed item: the run's one copy, refreshed by every status move. */
  item: ItemHandle
  octokit: Octokit
  runId: number
  /** Moves the item along the status machine, on GitHub and in the mirror, and leaves `item` refreshed. */
  setStatus(event: StatusEvent, note?: string): Promise<boolean>
  signal: AbortSignal
}

/** The "work" step of a heartbeat; the agent runtime provides it. */
export type WorkHook = (context: WorkContext) => Promise<WorkResult>

/** Handles a manager's reports' blocked items before its own queue; the escalation step provides it. */
export type EscalationHook = (context: {
  agent: Agent
  repository: string
  octokit: Octokit
  runId: number
  signal: AbortSignal
}) => Promise<WorkResult>

export type HeartbeatDeps = {
  pool: Pool
  log: Logger
  rosters: RosterRegistry
  octokitFor: (repository: string) => Promise<Octokit>
  etags: EtagCache
  work: WorkHook
  escalations: EscalationHook
  leaseMs: number
  /** Attempts after which an item whose work keeps being interrupted is blocked (SPEC §4: 3). */
  maxAttempts: number
  /** Most items one heartbeat re-reads from GitHub before choosing (it stops once it has confirmed maxConcurrent). */
  reconcileLimit: number
  /** Bound on one heartbeat's work, after which it stops taking new items. */
  timeBudgetMs: number
  now: () => Date
  /** Aborted when the process stops: work in progress is told to stop and its claims are handed back. */
  stopSignal?: AbortSignal
  /** Wakes an agent given work by a heartbeat's write (the owner of a parent whose last child finished, a manager told of a block). */
  wake?: (repository: string, agent: string) => void
  /** Logins mentioned when a block reaches the humans. */
  owners: string[]
  /** The app's own login: only what it wrote carries a marker to believe. */
  botLogin: () => string
  /** Why model work cannot start now (the global model breaker is open); the heartbeat then claims nothing. */
  modelPaused?: () => Promise<string | undefined>
  metrics?: Metrics | undefined
}

export type HeartbeatResult = {
  runId: number | undefined
  outcome: RunOutcome | 'not-elected'
  items: number
  githubRequests: number
  error?: string
  /** The heartbeat stopped at maxConcurrent with more ready work waiting. */
  backlog?: boolean
}

/**
 * One heartbeat of one agent (SPEC §5): reconcile its ready items, let it handle its
 * reports' escalations, then claim and work items until it holds maxConcurrent, runs
 * out of time or of work. An agent with nothing to do makes no model call and, when
 * it owns no ready items, no GitHub request.
 */
export async function runHeartbeat(deps: HeartbeatDeps, fire: Fire): Promise<HeartbeatResult> {
  const { pool } = deps
  const runId = fire.trigger === 'cron' ? await runIdForFire(pool, fire.fireKey) : await recordFire(pool, fire)
  if (runId === undefined) return { runId, outcome: 'not-elected', items: 0, githubRequests: 0 }
  const log = deps.log.child({ agent: fire.agent, repository: fire.repository, run: runId })
  const started = deps.now().getTime()
  const totals = { items: 0, tokens: 0, costUsd: 0 }
  // The first work failure of the run (a failed model call): the run is failed, not worked.
  let workError: string | undefined
  let requests: { readonly count: number } = { count: 0 }

  let backlog = false
  const finish = async (outcome: RunOutcome, error: string | null = null): Promise<HeartbeatResult> => {
    await finishRun(pool, runId, { outcome, ...totals, githubRequests: requests.count, error })
    deps.metrics?.heartbeatRun({ repository: fire.repository, agent: fire.agent, outcome, tokens: totals.tokens, costUsd: totals.costUsd })
    log.info({ outcome, items: totals.items, githubRequests: requests.count, error }, 'heartbeat finished')
    return { runId, outcome, items: totals.items, githubRequests: requests.count, ...(error ? { error } : {}), ...(backlog ? { backlog } : {}) }
  }

  const agent = deps.rosters.get(fire.repository).get(fire.agent)
  if (!agent) return finish('skipped', `no agent "${fire.agent}" in the roster of ${fire.repository}`)
  await rollBudgetMonth(pool, fire.repository, fire.agent, deps.now())
  if (await isAgentPaused(pool, fire.repository, fire.agent)) return finish('skipped', 'paused')
  // A CLI runtime talks to its own model, not ours: our model server being down says nothing about it.
  const modelPaused = agent.runtime === 'chat' ? await deps.modelPaused?.() : undefined
  if (modelPaused !== undefined) return finish('skipped', modelPaused)
  if (!(await acquireAgentLease(pool, fire.repository, fire.agent, runId, deps.leaseMs))) {
    return finish('skipped', 'another heartbeat of this agent is running')
  }
  const renewAgent = setInterval(() => {
    acquireAgentLease(pool, fire.repository, fire.agent, runId, deps.leaseMs).catch(() => {})
  }, deps.leaseMs / 3)
  try {
    await releaseExpired(deps)
    const octokit = await deps.octokitFor(fire.repository)
    requests = countRequests(octokit)
    await reconcileReadyItems(deps, octokit, fire.repository, agent)

    const escalated = await deps.escalations({
      agent,
      repository: fire.repository,
      octokit,
      runId,
      signal: deps.stopSignal ?? new AbortController().signal,
    })
    totals.tokens += escalated.tokens
    totals.costUsd += escalated.costUsd
    workError ??= escalated.error
    const handledEscalations = escalated.handled ?? 0

    // Items this run already worked: each is taken at most once per heartbeat.
    const tried: number[] = []
    const lease: Lease = { runId, leaseMs: deps.leaseMs }
    while (totals.items < agent.maxConcurrent && deps.now().getTime() - started < deps.timeBudgetMs && !deps.stopSignal?.aborted) {
      const claimed = await claimNextReady(pool, fire.repository, agent.slug, tried, lease)
      if (!claimed) break
      deps.metrics?.claim(fire.repository, agent.slug)
      tried.push(claimed.number)
      totals.items += 1
      const result = await workClaimedItem(deps, { agent, item: claimed, octokit, lease, log })
      totals.tokens += result.tokens
      totals.costUsd += result.costUsd
      workError ??= result.error
    }
    // Items this run handed back are not backlog: the next cron tick retries them.
    if (totals.items >= agent.maxConcurrent) backlog = await hasReadyItem(pool, fire.repository, agent.slug, tried)
    if (workError !== undefined) return await finish('failed', workError)
    return await finish(totals.items > 0 || handledEscalations > 0 ? 'worked' : 'idle')
  } catch (error) {
    log.error({ err: error }, 'heartbeat failed')
    return await finish('failed', (error as Error).message)
  } finally {
    clearInterval(renewAgent)
    await releaseAgentLease(pool, fire.repository, fire.agent, runId)
  }
}

/**
 * Re-reads, best first, the ready items this heartbeat is about to claim, with
 * conditional requests, so a lost webhook (an item closed, relabelled or reassigned)
 * cannot make the agent work something stale. Stops once `maxConcurrent` items are
 * confirmed still ready, or after `reconcileLimit` reads; the periodic sweep heals
 * the rest of the queue.
 */
async function reconcileReadyItems(deps: HeartbeatDeps, octokit: Octokit, repository: string, agent: Agent): Promise<void> {
  const rows = await bestReadyItems(deps.pool, repository, agent.slug, deps.reconcileLimit)
  // An item found moved to another agent wakes that agent; this one is already awake.
  const mirror = { ...deps, wake: (at: string, slug: string) => slug !== agent.slug && deps.wake?.(at, slug) }
  let confirmed = 0
  for (const { number, kind } of rows) {
    if (confirmed >= agent.maxConcurrent) break
    const read = await readItem(octokit, repository, number, kind, deps.etags)
    if (!read.changed) {
      confirmed += 1
      continue
    }
    await syncItem(mirror, octokit, read.item, { route: true, heal: true })
    const now = await getWorkItem(deps.pool, repository, number)
    if (now?.state === 'open' && now.status === 'todo' && now.owner_agent === agent.slug) confirmed += 1
  }
}

async function workClaimedItem(
  deps: HeartbeatDeps,
  claim: { agent: Agent; item: WorkItem; octokit: Octokit; lease: Lease; log: Logger },
): Promise<WorkResult> {
  const { agent, octokit, lease } = claim
  const { repository, number } = claim.item
  const item = createItemHandle(deps.pool, claim.item)
  const log = claim.log.child({ item: `${repository}#${number}` })
  const writer = { ...deps, log }
  // The winner moves the labels on GitHub in one request; if that fails, the claim goes back untouched.
  try {
    const moved = await moveItem(writer, octokit, { ...item.get(), status: 'todo' }, 'claim', { mirrorMoved: true, actor: agent.slug })
    if (moved.ok) item.set({ ...item.get(), labels: moved.labels })
  } catch (error) {
    await handBackClaim(deps.pool, repository, number, lease.runId)
    throw error
  }
  const controller = new AbortController()
  const onStop = () => controller.abort(new Error('Gaffer is stopping'))
  deps.stopSignal?.addEventListener('abort', onStop)
  const renew = setInterval(() => {
    renewLease(deps.pool, repository, number, lease).then(
      (held) => held || controller.abort(new Error('the claim was lost')),
      () => {},
    )
  }, lease.leaseMs / 3)
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
  try {
    result = await deps.work({ agent, item, octokit, runId: lease.runId, setStatus, signal: controller.signal })
    return result
  } finally {
    clearInterval(renew)
    deps.stopSignal?.removeEventListener('abort', onStop)
    const { status } = await item.refresh()
    if (status === 'in-progress' && (deps.stopSignal?.aborted || result?.handBack)) {
      if (await handBackClaim(deps.pool, repository, number, lease.runId)) {
        await moveItem(writer, octokit, { ...item.get(), status: 'in-progress' }, 'hand_back', { mirrorMoved: true, actor: agent.slug })
      }
    } else if (status === 'in-progress') {
      const returned = await returnUnfinished(deps.pool, repository, number, lease.runId, deps.maxAttempts)
      if (returned) await mirrorReturned(deps, octokit, returned)
    } else {
      await releaseClaim(deps.pool, repository, number, lease.runId)
    }
  }
}

/**
 * Releases every expired lease (a crashed or stuck run) and mirrors the result onto
 * GitHub. An item past its attempts is blocked and escalated like any other block. One
 * item GitHub refuses does not stop the others; it is released again on the next pass.
 * At start and in the sweep (`closeRuns`), runs a dead process left open are closed
 * first, as failed, and their claims end with them.
 */
export async function releaseExpired(
  deps: Pick<HeartbeatDeps, 'pool' | 'log' | 'octokitFor' | 'maxAttempts' | 'rosters' | 'owners' | 'wake' | 'botLogin' | 'leaseMs' | 'metrics'>,
  options: { closeRuns?: boolean } = {},
): Promise<ReturnedItem[]> {
  if (options.closeRuns) {
    const closed = await closeAbandonedRuns(deps.pool, deps.leaseMs)
    if (closed.length > 0) deps.log.warn({ runs: closed }, 'closed heartbeat runs a stopped replica left open')
  }
  const returned = await releaseExpiredLeases(deps.pool, deps.maxAttempts)
  for (const item of returned) {
    deps.log.warn({ item: `${item.repository}#${item.number}`, status: item.status, attempts: item.attempts }, 'lease expired')
    try {
      await mirrorReturned(deps, await deps.octokitFor(item.repository), item)
    } catch (error) {
      deps.log.error({ err: error, item: `${item.repository}#${item.number}` }, 'could not mirror a released lease onto GitHub')
    }
  }
  return returned
}

/** Puts a handed-back item's status on GitHub: `todo`, or blocked and escalated once its attempts are spent. */
async function mirrorReturned(
  deps: Pick<HeartbeatDeps, 'pool' | 'log' | 'rosters' | 'owners' | 'wake' | 'botLogin' | 'metrics'>,
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
