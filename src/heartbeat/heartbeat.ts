import type { StatusEvent } from '../company/status-machine.ts'
import { countRequests } from '../github/count-requests.ts'
import type { EtagCache } from '../github/etag-cache.ts'
import type { Octokit } from '../github/octokit.ts'
import { readItem } from '../github/read-item.ts'
import type { SettingsLookup } from '../config/repository-settings.ts'
import type { Logger } from '../log.ts'
import type { Metrics } from '../metrics/metrics.ts'
import type { RosterRegistry } from '../mirror/roster-registry.ts'
import { syncItem } from '../mirror/sync-item.ts'
import type { Agent } from '../roster/schema.ts'
import type { ItemHandle } from './item-handle.ts'
import { mirrorReturned } from './work-claimed-item.ts'
import { workReadyItems } from './work-ready-items.ts'
import type { WorkSlots } from './work-slots.ts'
import { hasReadyItem, releaseExpiredLeases, type ReadyItem, type ReturnedItem } from '../store/claims.ts'
import {
  acquireAgentLease,
  beginHeartbeat,
  closeAbandonedRuns,
  finishHeartbeat,
  probeHeartbeat,
  recordQuietHeartbeat,
  type Fire,
  type RunOutcome,
} from '../store/heartbeat-runs.ts'
import type { Pool } from '../store/pool.ts'
import { confirmWorkItems, getWorkItem } from '../store/work-items.ts'

/** What the work step reports back for one claimed item (and the escalation step for the blocks it handled). */
export type WorkResult = {
  tokens: number
  costUsd: number
  handled?: number
  /** Why the work failed (the model call, say): the run is recorded as failed with it. */
  error?: string
  /** Give the claim back without counting an attempt: the failure was not the item's (a model outage). */
  handBack?: boolean
  /** The escalation step found blocks to decide but model work is paused: the heartbeat is skipped with this reason. */
  modelPaused?: string
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
  /** The repository's GitHub client, made on first use (a manager with no blocks to handle asks GitHub nothing). */
  octokit: () => Promise<Octokit>
  runId: number
  signal: AbortSignal
  /** Why model work cannot start now, asked only once there is something for the model to decide. */
  modelPaused: () => Promise<string | undefined>
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
  /** Each repository's settings: its owners are mentioned when a block reaches the humans. */
  settings: SettingsLookup
  /** The app's own login: only what it wrote carries a marker to believe. */
  botLogin: () => string
  /** Why model work cannot start now (the global model breaker is open); the heartbeat then claims nothing. */
  modelPaused?: () => Promise<string | undefined>
  metrics?: Metrics | undefined
  /** The process's work slots (GAFFER_MAX_PARALLEL and the per-model cap); without them only maxConcurrent bounds a heartbeat. */
  slots?: WorkSlots
  /** The model an agent's work uses, for the per-model cap. */
  modelOf?: (agent: Agent) => string
  /** What one run of the agent reserves from its monthly budget before it starts (USD; 0 when unknown). */
  reserveFor?: (agent: Agent) => number
  /**
   * How often a heartbeat whose claims wait for quota looks for better ready work to give
   * them back for (SPEC §17; the quota's poll interval); undefined: it never looks.
   */
  betterWorkCheckMs?: number | undefined
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
 * reports' escalations, then claim up to maxConcurrent ready items and work them at the
 * same time, each with its own lease, abort signal, item run record and budget
 * reservation. An agent with nothing to do makes no model call, no GitHub request and
 * two statements: a read (`probeHeartbeat`) and one write recording the run
 * (`recordQuietHeartbeat`, which also releases expired leases, and which the quiet
 * heartbeats of one cron tick share); one with work takes its lease, works, and gives
 * the lease back.
 */
export async function runHeartbeat(deps: HeartbeatDeps, fire: Fire): Promise<HeartbeatResult> {
  const { pool } = deps
  const agent = deps.rosters.get(fire.repository).get(fire.agent)
  const reports = agent
    ? deps.rosters
        .get(fire.repository)
        .reportsOf(agent.slug)
        .map((report) => report.slug)
    : []
  const probeAgent = (slug: string) =>
    probeHeartbeat(
      pool,
      { repository: fire.repository, agent: slug, reports },
      { now: deps.now(), limit: deps.reconcileLimit, leaseMs: deps.leaseMs, botLogin: deps.botLogin() },
    )
  const probe = agent ? await probeAgent(agent.slug) : undefined
  const quiet: { outcome: 'idle' | 'skipped'; error: string | null } | undefined = !probe
    ? { outcome: 'skipped', error: `no agent "${fire.agent}" in the roster of ${fire.repository}` }
    : probe.paused
      ? { outcome: 'skipped', error: 'paused' }
      : probe.leaseHeld
        ? { outcome: 'skipped', error: 'another heartbeat of this agent is running' }
        : probe.ready.length === 0 && !probe.hasBlocks
          ? { outcome: 'idle', error: null }
          : undefined
  if (quiet) return recordQuiet(deps, fire, quiet)
  const begun = await beginHeartbeat(pool, fire, { leaseMs: deps.leaseMs, maxAttempts: deps.maxAttempts, now: deps.now() })
  const { runId } = begun
  if (runId === undefined) return { runId, outcome: 'not-elected', items: 0, githubRequests: 0 }
  const log = deps.log.child({ agent: fire.agent, repository: fire.repository, run: runId })
  const started = deps.now().getTime()
  const totals = { items: 0, tokens: 0, costUsd: 0 }
  // The first work failure of the run (a failed model call): the run is failed, not worked.
  let workError: string | undefined
  let requests: { readonly count: number } = { count: 0 }

  let backlog = false
  const finish = async (outcome: RunOutcome, error: string | null = null): Promise<HeartbeatResult> => {
    await finishHeartbeat(
      pool,
      { runId, repository: fire.repository, agent: fire.agent },
      { outcome, ...totals, githubRequests: requests.count, error },
    )
    deps.metrics?.heartbeatRun({ repository: fire.repository, agent: fire.agent, outcome, tokens: totals.tokens, costUsd: totals.costUsd })
    log.info({ outcome, items: totals.items, githubRequests: requests.count, error }, 'heartbeat finished')
    return { runId, outcome, items: totals.items, githubRequests: requests.count, ...(error ? { error } : {}), ...(backlog ? { backlog } : {}) }
  }

  // The agent's lease (taken by beginHeartbeat) is renewed while the heartbeat runs, and given back by finish.
  const renewAgent = begun.leased
    ? setInterval(() => {
        acquireAgentLease(pool, fire.repository, fire.agent, runId, deps.leaseMs).catch(() => {})
      }, deps.leaseMs / 3)
    : undefined
  try {
    await mirrorReleased(deps, begun.released)
    if (!agent) return await finish('skipped', `no agent "${fire.agent}" in the roster of ${fire.repository}`)
    if (begun.paused) return await finish('skipped', 'paused')
    if (!begun.leased) return await finish('skipped', 'another heartbeat of this agent is running')
    let octokit: Promise<Octokit> | undefined
    const github = () =>
      (octokit ??= deps.octokitFor(fire.repository).then((client) => {
        requests = countRequests(client)
        return client
      }))
    // A CLI runtime talks to its own model, not ours: our model server being down says nothing about it.
    let paused: Promise<string | undefined> | undefined
    const modelPaused = () => (paused ??= agent.runtime === 'chat' && deps.modelPaused ? deps.modelPaused() : Promise.resolve(undefined))
    const ready = await reconcileReadyItems(deps, github, fire.repository, agent, probe!.ready)
    // Before a later claim of this run (a slot given back for better work): the queue as it is then.
    const confirmReady = async (want: number, skip: readonly number[]) => {
      const again = await probeAgent(agent.slug)
      if (again.paused) return undefined
      const rows = again.ready.filter((row) => !skip.includes(row.number))
      return reconcileReadyItems(deps, github, fire.repository, agent, rows, want)
    }

    const escalated = await deps.escalations({
      agent,
      repository: fire.repository,
      octokit: github,
      runId,
      signal: deps.stopSignal ?? new AbortController().signal,
      modelPaused,
    })
    if (escalated.modelPaused !== undefined) return await finish('skipped', escalated.modelPaused)
    totals.tokens += escalated.tokens
    totals.costUsd += escalated.costUsd
    workError ??= escalated.error
    const handledEscalations = escalated.handled ?? 0

    if (ready.length > 0) {
      const reason = await modelPaused()
      if (reason !== undefined) return await finish('skipped', reason)
      const run = { agent, repository: fire.repository, runId, started, ready, confirmReady, octokit: await github(), log }
      const worked = await workReadyItems(deps, run)
      totals.items += worked.items
      totals.tokens += worked.tokens
      totals.costUsd += worked.costUsd
      workError ??= worked.error
      // Items this run handed back are not backlog: the next cron tick retries them. Items it
      // gave back for better work are: they wait only for a slot.
      if (worked.items >= agent.maxConcurrent || worked.givenBack.length > 0) {
        const skip = worked.tried.filter((number) => !worked.givenBack.includes(number))
        backlog = await hasReadyItem(pool, fire.repository, agent.slug, skip)
      }
    }
    if (workError !== undefined) return await finish('failed', workError)
    return await finish(totals.items > 0 || handledEscalations > 0 ? 'worked' : 'idle')
  } catch (error) {
    log.error({ err: error }, 'heartbeat failed')
    return await finish('failed', (error as Error).message)
  } finally {
    clearInterval(renewAgent)
  }
}

/** A heartbeat with nothing to do, or that cannot run: recorded, finished, in one statement. */
async function recordQuiet(deps: HeartbeatDeps, fire: Fire, quiet: { outcome: 'idle' | 'skipped'; error: string | null }): Promise<HeartbeatResult> {
  const { runId, released } = await recordQuietHeartbeat(deps.pool, fire, { ...quiet, maxAttempts: deps.maxAttempts })
  if (runId === undefined) return { runId, outcome: 'not-elected', items: 0, githubRequests: 0 }
  deps.metrics?.heartbeatRun({ repository: fire.repository, agent: fire.agent, outcome: quiet.outcome, tokens: 0, costUsd: 0 })
  deps.log
    .child({ agent: fire.agent, repository: fire.repository, run: runId })
    .info({ outcome: quiet.outcome, items: 0, githubRequests: 0, error: quiet.error }, 'heartbeat finished')
  await mirrorReleased(deps, released)
  return { runId, outcome: quiet.outcome, items: 0, githubRequests: 0, ...(quiet.error ? { error: quiet.error } : {}) }
}

/**
 * Re-reads, best first, the ready items this heartbeat is about to claim, with
 * conditional requests, so a lost webhook (an item closed, relabelled or reassigned)
 * cannot make the agent work something stale. An item GitHub confirmed within a lease
 * (`fresh`) is taken as the mirror has it. Stops once `want` items (maxConcurrent, or
 * the slots a later claim fills) are confirmed still ready, or after `reconcileLimit`
 * reads; the periodic sweep heals
 * the rest of the queue. `rows` are the ready items as the heartbeat's probe read them;
 * returns them as the mirror has them afterwards (those it read, and those it did not
 * need to); GitHub is not asked when none is ready.
 */
async function reconcileReadyItems(
  deps: HeartbeatDeps,
  github: () => Promise<Octokit>,
  repository: string,
  agent: Agent,
  rows: readonly ReadyItem[],
  want = agent.maxConcurrent,
): Promise<ReadyItem[]> {
  // An item found moved to another agent wakes that agent; this one is already awake.
  const mirror = { ...deps, wake: (at: string, slug: string) => slug !== agent.slug && deps.wake?.(at, slug) }
  const ready: ReadyItem[] = []
  const unchanged: number[] = []
  let confirmed = 0
  for (const [index, row] of rows.entries()) {
    if (confirmed >= want) {
      ready.push(...rows.slice(index))
      break
    }
    // GitHub confirmed the row within a lease (a webhook or a read) and nothing newer waits:
    // reading it again would tell nothing new (docs/decisions.md, "Trust a fresh mirror").
    if (row.fresh === true) {
      confirmed += 1
      ready.push(row)
      continue
    }
    const octokit = await github()
    const read = await readItem(octokit, repository, row.number, row.kind, deps.etags)
    if (!read.changed) {
      unchanged.push(row.number)
      confirmed += 1
      ready.push(row)
      continue
    }
    await syncItem(mirror, octokit, read.item, { route: true, heal: true })
    const now = await getWorkItem(deps.pool, repository, row.number)
    if (now?.state === 'open' && now.status === 'todo' && now.owner_agent === agent.slug) {
      confirmed += 1
      ready.push({ ...row, priority_score: now.priority_score })
    }
  }
  // An unchanged answer confirms the row as much as a changed one, so the next heartbeat within a lease need not ask.
  if (unchanged.length > 0) await confirmWorkItems(deps.pool, repository, unchanged)
  return ready
}

/**
 * Releases every expired lease (a crashed or stuck run) and mirrors the result onto
 * GitHub. Each heartbeat does the same in its first write (`beginHeartbeat`, `recordQuietHeartbeat`); this
 * is the sweep's and the start's. At start and in the sweep (`closeRuns`), runs a dead
 * process left open are closed first, as failed, and their claims end with them.
 */
export async function releaseExpired(
  deps: Pick<HeartbeatDeps, 'pool' | 'log' | 'octokitFor' | 'maxAttempts' | 'rosters' | 'settings' | 'wake' | 'botLogin' | 'leaseMs' | 'metrics'>,
  options: { closeRuns?: boolean } = {},
): Promise<ReturnedItem[]> {
  if (options.closeRuns) {
    const closed = await closeAbandonedRuns(deps.pool, deps.leaseMs)
    if (closed.length > 0) deps.log.warn({ runs: closed }, 'closed heartbeat runs a stopped replica left open')
  }
  const returned = await releaseExpiredLeases(deps.pool, deps.maxAttempts)
  await mirrorReleased(deps, returned)
  return returned
}

/**
 * Mirrors released leases onto GitHub. An item past its attempts is blocked and escalated
 * like any other block. One item GitHub refuses does not stop the others; it is released
 * again on the next pass.
 */
async function mirrorReleased(
  deps: Pick<HeartbeatDeps, 'pool' | 'log' | 'octokitFor' | 'rosters' | 'settings' | 'wake' | 'botLogin' | 'metrics'>,
  returned: readonly ReturnedItem[],
): Promise<void> {
  for (const item of returned) {
    deps.log.warn({ item: `${item.repository}#${item.number}`, status: item.status, attempts: item.attempts }, 'lease expired')
    try {
      await mirrorReturned(deps, await deps.octokitFor(item.repository), item)
    } catch (error) {
      deps.log.error({ err: error, item: `${item.repository}#${item.number}` }, 'could not mirror a released lease onto GitHub')
    }
  }
}
