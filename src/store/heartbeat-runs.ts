import { allFulfilled, batchWrites, type BatchOutcome } from './batch-writes.ts'
import { monthOf } from './budgets.ts'
import { claimOrder, releaseExpiredStatement, type ReadyItem, type ReturnedItem } from './claims.ts'
import type { Pool } from './pool.ts'
import { isDataError, laterChangeWaits } from './webhook-deliveries.ts'

export type Fire = { repository: string; agent: string; fireKey: string; trigger: 'cron' | 'wake' | 'api' }

export type RunOutcome = 'idle' | 'worked' | 'skipped' | 'failed'

export type RunTotals = { outcome: RunOutcome; items: number; tokens: number; costUsd: number; githubRequests: number; error: string | null }

/**
 * Records a fire; the unique fire key lets exactly one replica insert it.
 * Returns the run id when this call inserted it, undefined when another did. Fires
 * recorded while one record is on its way (a cron tick fires every agent of a schedule
 * at the same moment) share the next statement and its commit (`batchWrites`).
 */
export function recordFire(pool: Pool, fire: Fire): Promise<number | undefined> {
  let record = fireRecorders.get(pool)
  if (!record)
    fireRecorders.set(
      pool,
      (record = batchWrites((fires: Fire[]) => oneByOneIfRefused(fires, (some) => recordFires(pool, some)), 100, { sameTurn: true })),
    )
  return record(fire)
}

const fireRecorders = new WeakMap<Pool, (fire: Fire) => Promise<number | undefined>>()

// In key order: two replicas electing the same tick's fires then wait for each other's
// commit instead of each holding a key the other waits for.
const RECORD_FIRES = {
  name: 'gaffer-record-fires',
  text: `insert into heartbeat_runs (repository, agent, fire_key, trigger)
     select f.repository, f.agent, f.fire_key, f.trigger from json_to_recordset($1::json) as f(repository text, agent text, fire_key text, trigger text)
     order by f.fire_key
     on conflict (fire_key) do nothing returning id, fire_key`,
}

async function recordFires(pool: Pool, fires: readonly Fire[]): Promise<(number | undefined)[]> {
  const first = firstOfEachKey(fires)
  const rows = [...first.values()].map((index) => {
    const { repository, agent, fireKey, trigger } = fires[index]!
    return { repository, agent, fire_key: fireKey, trigger }
  })
  const { rows: inserted } = await pool.query<{ id: number; fire_key: string }>({ ...RECORD_FIRES, values: [JSON.stringify(rows)] })
  const ids = new Map(inserted.map((row) => [row.fire_key, row.id]))
  // A key twice in one batch is one fire asked twice: the first asking gets it.
  return fires.map((fire, index) => (first.get(fire.fireKey) === index ? ids.get(fire.fireKey) : undefined))
}

/** Where each fire key first appears in a batch. */
function firstOfEachKey(fires: readonly Fire[]): Map<string, number> {
  const first = new Map<string, number>()
  fires.forEach((fire, index) => first.has(fire.fireKey) || first.set(fire.fireKey, index))
  return first
}

/** SQLSTATE of a deadlock: Postgres ended one statement of two that waited for each other. */
const DEADLOCK = '40P01'

/**
 * Writes a batch in one statement; if the database refuses it for one item's data (or a
 * deadlock ends it), each item again on its own, so only the refused item's heartbeat
 * fails. A lost connection or a database that is away fails the batch at once: trying
 * each item again would only send more statements that fail.
 */
async function oneByOneIfRefused<T, R>(items: readonly T[], write: (items: readonly T[]) => Promise<R[]>): Promise<BatchOutcome<R>> {
  try {
    return allFulfilled(await write(items))
  } catch (error) {
    if (items.length === 1 || !(isDataError(error) || (error as { code?: unknown }).code === DEADLOCK)) throw error
    return Promise.all(
      items.map(async (item): Promise<PromiseSettledResult<R>> => {
        try {
          return { status: 'fulfilled', value: (await write([item]))[0]! }
        } catch (reason) {
          return { status: 'rejected', reason }
        }
      }),
    )
  }
}

/** What a heartbeat with work learns as it begins. */
export type HeartbeatStart = {
  /** The run's id; undefined when this replica was not elected for the fire. */
  runId: number | undefined
  /** Whether the agent is paused, after a new month lifted a pause the budget caused; undefined for an agent not in the mirror. */
  paused: boolean | undefined
  /** Whether the run holds the agent's heartbeat lease: no other heartbeat of the agent is running. */
  leased: boolean
  /** Expired leases released by this statement (any agent's), for the caller to mirror onto GitHub. */
  released: ReturnedItem[]
}

/** The month rolled over since the agent's spend was last counted (`$5` is this month). */
const newMonth = 'a.spend_month is distinct from $5'
const budgetPauseLifted = `(${newMonth} and a.paused_reason = 'monthly budget spent')`
const pausedNow = `(a.paused and not ${budgetPauseLifted})`
const leaseFree = '(a.running_run is null or a.running_run = f.id or a.running_until < now())'

/**
 * The first write of a heartbeat with work, doing in one round trip what used to take five: records
 * the fire (an API call or wake inserts its run; a cron fire's run was inserted by the
 * run coordinator and is looked up), starts a new month's spend when the month changed
 * (lifting a pause only the budget caused), takes the agent's heartbeat lease unless the
 * agent is paused or another heartbeat holds it, and, when it got the lease, releases
 * every expired lease (`releaseExpiredLeases`), so a crashed run's items are back in the
 * queue before this heartbeat chooses. `$1` repository, `$2` agent, `$3` fire key, `$4`
 * lease ms, `$5` month, `$6` maxAttempts, `$7` trigger.
 */
const beginStatement = (fire: string) => `
  with ${fire}, agent as (
    update agents a set
      spend_month = $5,
      month_spend_usd = case when ${newMonth} then 0 else a.month_spend_usd end,
      budget_warned_month = case when ${newMonth} then null else a.budget_warned_month end,
      paused = ${pausedNow},
      paused_reason = case when ${budgetPauseLifted} then null else a.paused_reason end,
      running_run = case when not ${pausedNow} and ${leaseFree} then f.id else a.running_run end,
      running_until = case when not ${pausedNow} and ${leaseFree} then now() + make_interval(secs => $4::float8 / 1000) else a.running_until end
    from fire f
    where a.repository = $1 and a.slug = $2
    returning a.paused, a.running_run = f.id as leased
  ), released as (
    ${releaseExpiredStatement('$6', 'exists (select 1 from agent where leased)')}
  )
  select (select id from fire) as "runId", (select paused from agent) as paused, coalesce((select leased from agent), false) as leased,
         coalesce((select json_agg(released) from released), '[]') as released`

const BEGIN_CRON = {
  name: 'gaffer-begin-cron',
  text: beginStatement('fire as (select id from heartbeat_runs where fire_key = $3 and $7::text is not null)'),
}
const BEGIN_RECORDED = {
  name: 'gaffer-begin',
  text: beginStatement(`fire as (
    insert into heartbeat_runs (repository, agent, fire_key, trigger) values ($1, $2, $3, $7) on conflict (fire_key) do nothing returning id
  )`),
}

export async function beginHeartbeat(pool: Pool, fire: Fire, options: { leaseMs: number; maxAttempts: number; now: Date }): Promise<HeartbeatStart> {
  const statement = fire.trigger === 'cron' ? BEGIN_CRON : BEGIN_RECORDED
  const { rows } = await pool.query<HeartbeatStart & { runId: number | null }>({
    ...statement,
    values: [fire.repository, fire.agent, fire.fireKey, options.leaseMs, monthOf(options.now), options.maxAttempts, fire.trigger],
  })
  const row = rows[0]!
  return { runId: row.runId ?? undefined, paused: row.paused ?? undefined, leased: row.leased, released: row.released }
}

/** What a heartbeat reads before it writes anything: whether it has anything to do. */
export type HeartbeatProbe = {
  /** Paused, unless a new month lifts a pause the budget caused. */
  paused: boolean
  /** Another heartbeat of the agent holds its lease. */
  leaseHeld: boolean
  /**
   * The agent's `todo` items in claim order, claimed or not, at most `limit`. `fresh`: GitHub
   * confirmed the row within a lease (`leaseMs`) and no delivery about a later change waits
   * to be applied (the echoes of the app's own writes, `botLogin`, do not count: the mirror
   * already has what it wrote). A delivery is later when its payload is newer than the row,
   * or as new and received after the row was confirmed (GitHub's times are in seconds).
   */
  ready: ReadyItem[]
  /** A report's block waits for this agent (a manager). */
  hasBlocks: boolean
}

/**
 * Whether an open blocked item of repository `$1` matches `condition`. Asked as the first
 * row in the order of `work_items_open_blocks` (migration 022), not as `exists`: a
 * prepared `exists` is planned for any agent, and when the planner expects matches it
 * scans the whole table for an early one, reading every row whenever none waits; the
 * order makes reading that small index in its order the cheaper plan whatever it expects.
 */
const openBlock = (condition: string) =>
  `((select true from work_items where repository = $1 and state = 'open' and status = 'blocked' and ${condition}
     order by escalated_to, owner_agent limit 1) is not null)`

/**
 * A heartbeat's first statement, read-only: is the agent paused or already running, which
 * of its items are ready, and does a block wait for it. Most heartbeats find nothing to
 * do; they then write once (`recordQuietHeartbeat`) instead of taking and giving back a
 * lease. `$1` repository, `$2` agent, `$3` month, `$4` limit, `$5` the agent's reports, `$6` lease ms,
 * `$7` the app's login.
 */
export async function probeHeartbeat(
  pool: Pool,
  at: { repository: string; agent: string; reports: readonly string[] },
  options: { now: Date; limit: number; leaseMs: number; botLogin: string },
): Promise<HeartbeatProbe> {
  const { rows } = await pool.query<HeartbeatProbe>({
    name: 'gaffer-probe-heartbeat',
    text: `select coalesce(a.paused and not (a.spend_month is distinct from $3 and a.paused_reason = 'monthly budget spent'), false) as paused,
         coalesce(a.running_run is not null and a.running_until >= now(), false) as "leaseHeld",
         coalesce((select json_agg(json_build_object('number', r.number, 'kind', r.kind, 'priority_score', r.priority_score,
             'fresh', r.github_confirmed_at > now() - make_interval(secs => $6::float8 / 1000)
               and not ${laterChangeWaits({ repository: '$1', botLogin: '$7', item: 'r', confirmedAt: 'r.github_confirmed_at' })}) order by r.position) from (
           select number, kind, priority_score, github_updated_at, github_confirmed_at, row_number() over (order by ${claimOrder}) as position
           from work_items where repository = $1 and owner_agent = $2 and state = 'open' and status = 'todo'
           order by ${claimOrder} limit $4) r), '[]') as ready,
         (${openBlock('escalated_to = $2')} or ${openBlock('escalated_to is null and owner_agent = any($5::text[])')}) as "hasBlocks"
       from (select 1) one left join agents a on a.repository = $1 and a.slug = $2`,
    values: [at.repository, at.agent, monthOf(options.now), options.limit, at.reports, options.leaseMs, options.botLogin],
  })
  return rows[0]!
}

/**
 * Records a heartbeat that had nothing to do (idle) or could not run (skipped), finished,
 * in one statement, which also releases every expired lease as each heartbeat does. A
 * cron fire's run, inserted by the run coordinator, is finished; an API call or wake
 * inserts its own. `runId` is undefined when this replica was not elected for the fire.
 * Records asked for while one is on its way (the heartbeats of one cron tick) share the
 * next statement and its commit (`batchWrites`): that statement releases expired leases
 * once, and what it released goes to the first heartbeat it recorded, to mirror onto
 * GitHub; the others get none.
 */
export function recordQuietHeartbeat(
  pool: Pool,
  fire: Fire,
  run: { outcome: 'idle' | 'skipped'; error: string | null; maxAttempts: number },
): Promise<QuietRecord> {
  const recorders = quietRecorders.get(pool) ?? new Map<number, (quiet: Quiet) => Promise<QuietRecord>>()
  quietRecorders.set(pool, recorders)
  let record = recorders.get(run.maxAttempts)
  if (!record) {
    const write = (batch: readonly Quiet[]) => recordQuietHeartbeats(pool, batch, run.maxAttempts)
    recorders.set(run.maxAttempts, (record = batchWrites((batch: Quiet[]) => oneByOneIfRefused(batch, write), 100, { sameTurn: true })))
  }
  return record({ fire, outcome: run.outcome, error: run.error })
}

type Quiet = { fire: Fire; outcome: 'idle' | 'skipped'; error: string | null }
type QuietRecord = { runId: number | undefined; released: ReturnedItem[] }

// One batch per pool and maxAttempts (the release's limit).
const quietRecorders = new WeakMap<Pool, Map<number, (quiet: Quiet) => Promise<QuietRecord>>>()

const RECORD_QUIET = {
  name: 'gaffer-record-quiet',
  text: `with quiet as (
       select * from json_to_recordset($1::json) as q(repository text, agent text, fire_key text, trigger text, outcome text, error text)
     ), finished as (
       update heartbeat_runs r set finished_at = now(), outcome = q.outcome, error = q.error
       from quiet q
       where q.trigger = 'cron' and r.fire_key = q.fire_key and r.repository = q.repository and r.agent = q.agent and r.finished_at is null
       returning r.id, r.fire_key
     ), inserted as (
       insert into heartbeat_runs (repository, agent, fire_key, trigger, finished_at, outcome, error)
       select repository, agent, fire_key, trigger, now(), outcome, error from quiet where trigger <> 'cron'
       on conflict (fire_key) do nothing returning id, fire_key
     ), fire as (
       select id, fire_key from finished union all select id, fire_key from inserted
     ), released as (${releaseExpiredStatement('$2', 'exists (select 1 from fire)')})
     select coalesce((select json_agg(fire) from fire), '[]') as fires, coalesce((select json_agg(released) from released), '[]') as released`,
}

async function recordQuietHeartbeats(pool: Pool, batch: readonly Quiet[], maxAttempts: number): Promise<QuietRecord[]> {
  const first = firstOfEachKey(batch.map((quiet) => quiet.fire))
  const rows = [...first.values()].map((index) => {
    const { fire, outcome, error } = batch[index]!
    return { repository: fire.repository, agent: fire.agent, fire_key: fire.fireKey, trigger: fire.trigger, outcome, error }
  })
  const { rows: result } = await pool.query<{ fires: { id: number; fire_key: string }[]; released: ReturnedItem[] }>({
    ...RECORD_QUIET,
    values: [JSON.stringify(rows), maxAttempts],
  })
  const { fires, released } = result[0]!
  const ids = new Map(fires.map((fire) => [fire.fire_key, fire.id]))
  const runIds = batch.map((quiet, index) => (first.get(quiet.fire.fireKey) === index ? ids.get(quiet.fire.fireKey) : undefined))
  const mirroring = runIds.findIndex((runId) => runId !== undefined)
  return runIds.map((runId, index) => ({ runId, released: index === mirroring ? released : [] }))
}

/** A heartbeat's last statement: records its outcome and totals and gives the agent's lease back. */
export async function finishHeartbeat(pool: Pool, run: { runId: number; repository: string; agent: string }, totals: RunTotals): Promise<void> {
  await pool.query({
    name: 'gaffer-finish-heartbeat',
    text: `with finished as (
         update heartbeat_runs set finished_at = now(), outcome = $4, items = $5, tokens = $6, cost_usd = $7, github_requests = $8, error = $9
         where id = $1
       )
       update agents set running_run = null, running_until = null where repository = $2 and slug = $3 and running_run = $1`,
    values: [run.runId, run.repository, run.agent, totals.outcome, totals.items, totals.tokens, totals.costUsd, totals.githubRequests, totals.error],
  })
}

/** Takes the agent's heartbeat lease, so no other heartbeat of it runs on any replica meanwhile. */
export async function acquireAgentLease(pool: Pool, repository: string, agent: string, runId: number, leaseMs: number): Promise<boolean> {
  const result = await pool.query(
    `update agents set running_run = $3, running_until = now() + make_interval(secs => $4::float8 / 1000)
     where repository = $1 and slug = $2 and (running_run is null or running_run = $3 or running_until < now())`,
    [repository, agent, runId, leaseMs],
  )
  return result.rowCount === 1
}

/** The newest heartbeat run of an agent, finished or still running. */
export async function lastRunOf(
  pool: Pool,
  repository: string,
  agent: string | null,
): Promise<{ outcome: string | null; finished_at: Date | null } | undefined> {
  const { rows } = await pool.query<{ outcome: string | null; finished_at: Date | null }>(
    'select outcome, finished_at from heartbeat_runs where repository = $1 and agent = $2 order by id desc limit 1',
    [repository, agent],
  )
  return rows[0]
}

/**
 * Closes runs whose process died (a crash, kill -9): still open, older than a lease,
 * and not holding their agent's heartbeat lease, which a live run renews every third
 * of a lease. Their claimed items' leases end now, so the release that follows gives
 * them back, and their items' runs are closed as failed too. Returns the closed run ids.
 */
export async function closeAbandonedRuns(pool: Pool, leaseMs: number): Promise<number[]> {
  const { rows } = await pool.query<{ id: number }>(
    `with abandoned as (
       update heartbeat_runs r set finished_at = now(), outcome = 'failed',
         error = 'the replica running it stopped before the run finished (a crash or a kill)'
       where r.finished_at is null and r.started_at < now() - make_interval(secs => $1::float8 / 1000)
         and not exists (select 1 from agents a where a.running_run = r.id and a.running_until > now())
       returning r.id
     ), released as (
       update work_items set lease_expires_at = now() where claimed_by_run in (select id from abandoned) and status = 'in-progress'
     ), items as (
       update item_runs set finished_at = now(), outcome = 'failed',
         error = 'the replica working it stopped before the work finished (a crash or a kill)'
       where run_id in (select id from abandoned) and finished_at is null
     )
     select id from abandoned`,
    [leaseMs],
  )
  return rows.map((row) => Number(row.id))
}

export type RunRow = {
  id: number
  repository: string
  agent: string
  trigger: Fire['trigger']
  startedAt: Date
  finishedAt: Date | null
  outcome: RunOutcome | null
  items: number
  tokens: number
  costUsd: number
  githubRequests: number
  error: string | null
}

/** The newest `limit` heartbeat runs of every agent, newest first. */
export async function listRecentRuns(pool: Pool, limit: number): Promise<RunRow[]> {
  const { rows } = await pool.query<RunRow>(
    `select id, repository, agent, trigger, started_at as "startedAt", finished_at as "finishedAt", outcome, items, tokens,
            cost_usd::float8 as "costUsd", github_requests as "githubRequests", error
     from heartbeat_runs order by started_at desc, id desc limit $1`,
    [limit],
  )
  return rows
}
