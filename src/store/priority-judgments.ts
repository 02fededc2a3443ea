import type { Pool } from './pool.ts'

/** An item whose text has not been judged since it last changed. */
export type DueJudgment = { repository: string; number: number; title: string; body: string; contentHash: string }

/**
 * Leases up to `limit` open items whose title or body changed since their last judgment,
 * oldest change first. `for update skip locked` and the lease keep two replicas off one
 * item; a lease that lapses (a crash, a failed call) makes it due again.
 */
export async function claimDueJudgments(pool: Pool, now: Date, limit: number, leaseMs: number): Promise<DueJudgment[]> {
  const { rows } = await pool.query<DueJudgment>(
    `update work_items w set judging_until = $1::timestamptz + make_interval(secs => $3::float8 / 1000)
     from (select repository, number from work_items
           where state = 'open' and judged_hash is distinct from content_hash and (judging_until is null or judging_until <= $1)
           order by updated_at limit $2 for update skip locked) due
     where w.repository = due.repository and w.number = due.number
     returning w.repository, w.number, w.title, w.body, w.content_hash as "contentHash"`,
    [now, limit, leaseMs],
  )
  return rows
}

/**
 * Records what the text `contentHash` was judged to be worth: a model adjustment, or none
 * (the formula alone: no model answer fit, or nobody could pay for one). A text edited
 * meanwhile has another hash, so the item stays due.
 */
export async function recordJudgment(
  pool: Pool,
  item: { repository: string; number: number; contentHash: string },
  judgment: { adjustment: number; why: string } | undefined,
): Promise<void> {
  await pool.query(
    `update work_items set judged_hash = $3, judging_until = null, model_adjustment = $4, model_why = $5
     where repository = $1 and number = $2`,
    [item.repository, item.number, item.contentHash, judgment?.adjustment ?? null, judgment?.why ?? null],
  )
}

/** Leaves an item due but untouched until `until` (the model could not be reached). */
export async function postponeJudgment(pool: Pool, item: { repository: string; number: number }, until: Date): Promise<void> {
  await pool.query(`update work_items set judging_until = $3 where repository = $1 and number = $2`, [item.repository, item.number, until])
}

/** Whether the agent that pays for judgments is paused (its budget spent, or by hand). */
export async function isAgentPaused(pool: Pool, repository: string, slug: string): Promise<boolean> {
  const { rows } = await pool.query<{ paused: boolean }>(`select paused from agents where repository = $1 and slug = $2`, [repository, slug])
  return rows[0]?.paused ?? false
}
