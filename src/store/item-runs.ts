import type { Pool } from './pool.ts'

/**
 * How one item's work in a heartbeat ended: `worked` (the work returned, the item moved
 * on or went back to the queue unfinished), `failed` (the work reported or threw an
 * error), `handed-back` (stopped on purpose: a graceful stop, a model outage).
 */
export type ItemRunOutcome = 'worked' | 'failed' | 'handed-back'

export type ItemRunRow = {
  runId: number
  repository: string
  number: number
  agent: string
  startedAt: Date
  finishedAt: Date | null
  outcome: ItemRunOutcome | null
  tokens: number
  costUsd: number
  error: string | null
}

/** Opens the records of a heartbeat's claimed items as their work starts, in claim order, in one statement. */
export async function startItemRuns(
  pool: Pool,
  run: { runId: number; repository: string; agent: string },
  numbers: readonly number[],
): Promise<void> {
  await pool.query({
    name: 'gaffer-start-item-runs',
    text: `insert into item_runs (run_id, repository, number, agent)
     select $1, $2, number, $3 from unnest($4::int[]) with ordinality as claimed (number, position) order by position
     on conflict (run_id, repository, number) do nothing`,
    values: [run.runId, run.repository, run.agent, numbers],
  })
}

/** Closes the record `startItemRuns` opened. */
export async function finishItemRun(
  pool: Pool,
  item: { runId: number; repository: string; number: number },
  result: { outcome: ItemRunOutcome; tokens: number; costUsd: number; error: string | null },
): Promise<void> {
  await pool.query({
    name: 'gaffer-finish-item-run',
    text: `update item_runs set finished_at = now(), outcome = $4, tokens = $5, cost_usd = $6, error = $7
     where run_id = $1 and repository = $2 and number = $3 and finished_at is null`,
    values: [item.runId, item.repository, item.number, result.outcome, result.tokens, result.costUsd, result.error],
  })
}

const itemRunColumns = `run_id as "runId", repository, number, agent, started_at as "startedAt", finished_at as "finishedAt", outcome,
  tokens, cost_usd::float8 as "costUsd", error`

/** The items a heartbeat run worked, in the order it claimed them. */
export async function listItemRuns(pool: Pool, runId: number): Promise<ItemRunRow[]> {
  const { rows } = await pool.query<ItemRunRow>(`select ${itemRunColumns} from item_runs where run_id = $1 order by id`, [runId])
  return rows
}

/** The newest `limit` item runs of every agent, newest first; those still working have no `finishedAt`. */
export async function listRecentItemRuns(pool: Pool, limit: number): Promise<ItemRunRow[]> {
  const { rows } = await pool.query<ItemRunRow>(`select ${itemRunColumns} from item_runs order by started_at desc, id desc limit $1`, [limit])
  return rows
}
