import type { Pool } from './pool.ts'

export const monthOf = (date: Date) => date.toISOString().slice(0, 7)

/**
 * Starts a new month's spend when the month changed, and lifts a pause that only the
 * budget caused. Called before each heartbeat.
 */
export async function rollBudgetMonth(pool: Pool, repository: string, agent: string, now: Date): Promise<void> {
  await pool.query(
    `update agents set spend_month = $3, month_spend_usd = 0, budget_warned_month = null,
       paused = case when paused_reason = 'monthly budget spent' then false else paused end,
       paused_reason = case when paused_reason = 'monthly budget spent' then null else paused_reason end
     where repository = $1 and slug = $2 and spend_month is distinct from $3`,
    [repository, agent, monthOf(now)],
  )
}

export type SpendResult = { spentUsd: number; warnNow: boolean; pausedNow: boolean }

/**
 * Adds a run's cost to the agent's month. Crossing 80% of `monthlyUsd` asks for one
 * warning a month; reaching 100% pauses the agent until the month ends or someone resumes it.
 */
export async function recordSpend(
  pool: Pool,
  repository: string,
  agent: string,
  costUsd: number,
  monthlyUsd: number | undefined,
  now: Date,
): Promise<SpendResult> {
  const month = monthOf(now)
  const { rows } = await pool.query<{ spent: number; warned: string | null; paused: boolean }>(
    `update agents set month_spend_usd = month_spend_usd + $3, spend_month = $4 where repository = $1 and slug = $2
     returning month_spend_usd::float8 as spent, budget_warned_month as warned, paused`,
    [repository, agent, costUsd, month],
  )
  const row = rows[0]
  if (!row || monthlyUsd === undefined) return { spentUsd: row?.spent ?? 0, warnNow: false, pausedNow: false }
  const warnNow = row.spent >= 0.8 * monthlyUsd && row.warned !== month
  const pausedNow = row.spent >= monthlyUsd && !row.paused
  if (warnNow || pausedNow) {
    await pool.query(
      `update agents set budget_warned_month = case when $3 then $5 else budget_warned_month end,
         paused = paused or $4, paused_reason = case when $4 then 'monthly budget spent' else paused_reason end
       where repository = $1 and slug = $2`,
      [repository, agent, warnNow, pausedNow, month],
    )
  }
  return { spentUsd: row.spent, warnNow, pausedNow }
}
