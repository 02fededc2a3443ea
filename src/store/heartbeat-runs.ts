import type { Pool } from './pool.ts'

export type Fire = { repository: string; agent: string; fireKey: string; trigger: 'cron' | 'wake' | 'api' }

export type RunOutcome = 'idle' | 'worked' | 'skipped' | 'failed'

export type RunTotals = { outcome: RunOutcome; items: number; tokens: number; costUsd: number; githubRequests: number; error: string | null }

/**
 * Records a fire; the unique fire key lets exactly one replica insert it.
 * Returns the run id when this call inserted it, undefined when another did.
 */
export async function recordFire(pool: Pool, fire: Fire): Promise<number | undefined> {
  const { rows } = await pool.query<{ id: number }>(
    `insert into heartbeat_runs (repository, agent, fire_key, trigger) values ($1, $2, $3, $4)
     on conflict (fire_key) do nothing returning id`,
    [fire.repository, fire.agent, fire.fireKey, fire.trigger],
  )
  return rows[0]?.id
}

export async function runIdForFire(pool: Pool, fireKey: string): Promise<number | undefined> {
  const { rows } = await pool.query<{ id: number }>('select id from heartbeat_runs where fire_key = $1', [fireKey])
  return rows[0]?.id
}

export async function finishRun(pool: Pool, runId: number, totals: RunTotals): Promise<void> {
  await pool.query(
    `update heartbeat_runs set finished_at = now(), outcome = $2, items = $3, tokens = $4, cost_usd = $5,
       github_requests = $6, error = $7 where id = $1`,
    [runId, totals.outcome, totals.items, totals.tokens, totals.costUsd, totals.githubRequests, totals.error],
  )
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

export async function releaseAgentLease(pool: Pool, repository: string, agent: string, runId: number): Promise<void> {
  await pool.query('update agents set running_run = null, running_until = null where repository = $1 and slug = $2 and running_run = $3', [
    repository,
    agent,
    runId,
  ])
}

export async function isAgentPaused(pool: Pool, repository: string, agent: string): Promise<boolean | undefined> {
  const { rows } = await pool.query<{ paused: boolean }>('select paused from agents where repository = $1 and slug = $2', [repository, agent])
  return rows[0]?.paused
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
 * them back. Returns the closed run ids.
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
