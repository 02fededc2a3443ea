import type { Pool } from './pool.ts'

export const monthOf = (date: Date) => date.toISOString().slice(0, 7)

export type SpendResult = { spentUsd: number; warnNow: boolean; pausedNow: boolean }

/**
 * Adds a run's cost to the agent's month. Crossing 80% of `monthlyUsd` asks for one
 * warning a month; reaching 100% pauses the agent until the month ends or someone resumes it.
 * One statement decides both against the row as it was just before this charge, so of
 * several runs settling at once exactly one warns and exactly one pauses.
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
  const spent = 'a.month_spend_usd + $3::numeric'
  const reaches = (share: string) => `($5::float8 is not null and ${spent} >= ${share} * $5::float8)`
  const { rows } = await pool.query<{ spent: number; warnedBefore: string | null; pausedBefore: boolean }>(
    `update agents a set month_spend_usd = ${spent}, spend_month = $4,
       budget_warned_month = case when ${reaches('0.8')} then $4 else a.budget_warned_month end,
       paused = a.paused or ${reaches('1')},
       paused_reason = case when not a.paused and ${reaches('1')} then 'monthly budget spent' else a.paused_reason end
     from (select budget_warned_month, paused from agents where repository = $1 and slug = $2 for update) before
     where a.repository = $1 and a.slug = $2
     returning a.month_spend_usd::float8 as spent, before.budget_warned_month as "warnedBefore", before.paused as "pausedBefore"`,
    [repository, agent, costUsd, month, monthlyUsd ?? null],
  )
  const row = rows[0]
  if (!row || monthlyUsd === undefined) return { spentUsd: row?.spent ?? 0, warnNow: false, pausedNow: false }
  return {
    spentUsd: row.spent,
    warnNow: row.spent >= 0.8 * monthlyUsd && row.warnedBefore !== month,
    pausedNow: row.spent >= monthlyUsd && !row.pausedBefore,
  }
}
