import { transition, type StatusEvent } from '../company/status-machine.ts'
import type { Status } from '../company/labels.ts'
import type { Pool, Queryable } from './pool.ts'
import { workItemColumns, type WorkItem } from './work-items.ts'

/**
 * Claims and leases move an item's status in the same statement that decides the
 * winner, so their statuses come from the transition table, never from literals here:
 * the status writer then moves GitHub's labels (`moveItem` with `mirrorMoved`).
 */
function target(from: Status, event: StatusEvent): Status {
  const next = transition(from, event)
  if (!next.ok) throw new Error(next.reason)
  return next.to
}
const CLAIMED = target('todo', 'claim')
const HANDED_BACK = target('in-progress', 'hand_back')
const EXPIRED = target('in-progress', 'lease_expired')
const EXHAUSTED = target('in-progress', 'attempts_exhausted')

export type Lease = { runId: number; leaseMs: number }

/** An agent's claimable items: `$1` repository, `$2` agent, `$3` numbers to skip. */
const readyFor = `repository = $1 and owner_agent = $2 and state = 'open' and status = 'todo'
           and (claimed_by_run is null or lease_expires_at < now()) and not (number = any($3))`

/** The claim order: priority first, then the oldest, then the lowest number. */
export const claimOrder = 'priority_score desc, github_created_at asc nulls last, number asc'

/** Whether the agent has a claimable item besides `skip` (a heartbeat that stopped at maxConcurrent asks, to wake it again). */
export async function hasReadyItem(pool: Pool, repository: string, agent: string, skip: readonly number[]): Promise<boolean> {
  const { rowCount } = await pool.query({
    name: 'gaffer-has-ready',
    text: `select 1 from work_items where ${readyFor} limit 1`,
    values: [repository, agent, skip],
  })
  return rowCount === 1
}

/** A ready item with what ranks it: its score and its labels (a p0 is urgent whatever its score). */
export type RankedReadyItem = { number: number; priority_score: number; labels: string[] }

/**
 * The agent's best claimable items besides `skip`, in claim order, at most `limit`: what a
 * heartbeat whose claims wait for quota compares them with (SPEC §17).
 */
export async function bestReadyItems(
  pool: Pool,
  at: { repository: string; agent: string; skip: readonly number[] },
  limit: number,
): Promise<RankedReadyItem[]> {
  const { rows } = await pool.query<RankedReadyItem>({
    name: 'gaffer-best-ready',
    text: `select number, priority_score, labels from work_items where ${readyFor} order by ${claimOrder} limit $4`,
    values: [at.repository, at.agent, at.skip, limit],
  })
  return rows
}

/**
 * One of an agent's `todo` items, in claim order (the heartbeat's probe reads them);
 * `fresh` when GitHub confirmed its row within a lease and nothing newer waits to be mirrored.
 */
export type ReadyItem = { number: number; kind: 'issue' | 'pull'; priority_score: number; fresh?: boolean }

/** A monthly budget the claim must respect: what the agent may spend, and what each run it starts reserves. */
export type ClaimBudget = { monthlyUsd: number; reserveUsd: number }

/**
 * What the budget lets the agent start now, as `$7` monthly budget, `$8` wanted, `$9`
 * reserved per run: nothing once what it spent plus what its live claims reserved reaches
 * the budget; otherwise as many runs as fit, the last one possibly only in part (a run
 * may then overrun by what it spends beyond its reservation, never more). A paused agent
 * (`/pause`, or the budget spent by a run that just settled) starts nothing.
 */
const allowedByBudget = `
  committed as (
    select a.paused, a.month_spend_usd::float8 + coalesce((
      select sum(reserved_usd)::float8 from work_items r
      where r.repository = $1 and r.owner_agent = $2 and r.status = 'in-progress' and r.claimed_by_run is not null
        and r.lease_expires_at > now()), 0) as usd
    from agents a where a.repository = $1 and a.slug = $2
  ), allowed as (
    select case when c.paused or c.usd >= $7::float8 then 0
                when $9::float8 <= 0 then $8::int
                else least($8::int, ceil(($7::float8 - c.usd) / $9::float8)::int) end as n
    from committed c
  ),`

/**
 * The claim: `$1` repository, `$2` agent, `$3` numbers to skip, `$4` run, `$5` lease ms,
 * `$6` the claimed status, and the limit. Selects the agent's best ready items and claims
 * them in one conditional UPDATE. The selection is evaluated once (a materialized CTE: a
 * subquery under `IN` may be re-run for every row the UPDATE visits, each time choosing
 * anew). Concurrent claimers skip rows another claimer is
 * updating at that instant instead of queueing behind them, so they spread over the
 * queue; the outer WHERE still decides the single winner of each row.
 */
const claimStatement = (limit: string, budgeted: boolean) => `
  with ${budgeted ? allowedByBudget : ''} picked as materialized (
    select number from work_items where ${readyFor}
    order by ${claimOrder}
    limit ${limit} for update skip locked
  ), claimed as (
    update work_items set status = $6, status_changed_at = now(), claimed_by_run = $4,
        lease_expires_at = now() + make_interval(secs => $5::float8 / 1000), updated_at = now(),
        reserved_usd = ${budgeted ? '$9::float8' : 'null'}
    where repository = $1 and number in (select number from picked)
      and state = 'open' and status = 'todo' and (claimed_by_run is null or lease_expires_at < now())
    returning ${workItemColumns}
  )
  select * from claimed order by ${claimOrder}`

// Named: Postgres plans each once per connection instead of once per claim.
const CLAIM = { name: 'gaffer-claim', text: claimStatement('$7::int', false) }
// An agent missing from the mirror has no spend to count: the budget then limits nothing.
const CLAIM_BUDGETED = { name: 'gaffer-claim-budgeted', text: claimStatement('coalesce((select n from allowed), $8::int)', true) }

/**
 * Claims up to `count` of the agent's best ready items in one statement (a heartbeat asks
 * for as many as it may work at once), within `budget` when the agent has one. Returns
 * them in claim order; fewer (or none) when fewer are ready or the budget allows fewer.
 */
export async function claimReady(
  pool: Queryable,
  at: { repository: string; agent: string; skip: readonly number[] },
  lease: Lease,
  want: { count: number; budget?: ClaimBudget | undefined },
): Promise<WorkItem[]> {
  const base = [at.repository, at.agent, at.skip, lease.runId, lease.leaseMs, CLAIMED]
  const { rows } = want.budget
    ? await pool.query<WorkItem>({ ...CLAIM_BUDGETED, values: [...base, want.budget.monthlyUsd, want.count, want.budget.reserveUsd] })
    : await pool.query<WorkItem>({ ...CLAIM, values: [...base, want.count] })
  return rows
}

/** Claims the agent's best ready item: `claimReady` for one. */
export async function claimNextReady(
  pool: Queryable,
  repository: string,
  agent: string,
  skip: readonly number[],
  lease: Lease,
): Promise<WorkItem | undefined> {
  return (await claimReady(pool, { repository, agent, skip }, lease, { count: 1 }))[0]
}

/** Extends the lease while work runs; false if the claim was lost meanwhile. */
export async function renewLease(pool: Pool, repository: string, number: number, lease: Lease): Promise<boolean> {
  const result = await pool.query({
    name: 'gaffer-renew-lease',
    text: `update work_items set lease_expires_at = now() + make_interval(secs => $4::float8 / 1000)
     where repository = $1 and number = $2 and claimed_by_run = $3 and status = 'in-progress'`,
    values: [repository, number, lease.runId, lease.leaseMs],
  })
  return result.rowCount === 1
}

/**
 * Gives an item back to `todo` without counting an attempt: its work was stopped on purpose
 * (a graceful stop, a model outage, better work wanting its slot while it waited for quota).
 */
export async function handBackClaim(pool: Pool, repository: string, number: number, runId: number): Promise<boolean> {
  const result = await pool.query(
    `update work_items set status = $4, status_changed_at = now(), claimed_by_run = null, lease_expires_at = null, updated_at = now()
     where repository = $1 and number = $2 and claimed_by_run = $3 and status = 'in-progress'`,
    [repository, number, runId, HANDED_BACK],
  )
  return result.rowCount === 1
}

/** Ends a claim: the item keeps whatever status the work gave it. */
export async function releaseClaim(pool: Pool, repository: string, number: number, runId: number): Promise<void> {
  await pool.query(
    `update work_items set claimed_by_run = null, lease_expires_at = null, updated_at = now()
     where repository = $1 and number = $2 and claimed_by_run = $3`,
    [repository, number, runId],
  )
}

export type ReturnedItem = {
  repository: string
  number: number
  status: Status
  attempts: number
  blocked_reason: string | null
  labels: string[]
  /** GitHub's id of the item, so mirroring the return is one request (see `moveItem`). */
  node_id: string | null
}

/** The SET of an item going back to the queue; `max` is the parameter holding maxAttempts. */
const returnToQueue = (max = '$1') => `
        attempts = attempts + 1,
        status = case when attempts + 1 > ${max} then '${EXHAUSTED}' else '${EXPIRED}' end, status_changed_at = now(),
        blocked_reason = case when attempts + 1 > ${max}
          then 'its work was interrupted or left unfinished ' || (attempts + 1) || ' times' else blocked_reason end,
        claimed_by_run = null, lease_expires_at = null, updated_at = now()`

/** Items whose lease lapsed, or that are `in-progress` without any claim. */
const expiredLeases = `status = 'in-progress' and (lease_expires_at < now() or claimed_by_run is null)`
const returned = 'returning repository, number, status, attempts, blocked_reason, labels, node_id'

/**
 * The statement that releases every expired lease (see `releaseExpiredLeases`), with
 * maxAttempts in parameter `max` and an extra condition, for a caller that folds it into
 * a larger statement.
 */
export const releaseExpiredStatement = (max: string, condition = 'true') =>
  `update work_items set ${returnToQueue(max)} where ${expiredLeases} and ${condition} ${returned}`

/**
 * Expired leases go back to `todo` with attempts + 1, or to `blocked` once attempts
 * pass `maxAttempts`, so a crashed run never leaves an item stuck. An item that is
 * `in-progress` without any claim (its label came from GitHub, say a hand-back whose
 * label write failed) goes the same way. Returns what moved,
 * for the caller to mirror onto GitHub.
 */
export async function releaseExpiredLeases(pool: Pool, maxAttempts: number): Promise<ReturnedItem[]> {
  const { rows } = await pool.query<ReturnedItem>(releaseExpiredStatement('$1'), [maxAttempts])
  return rows
}

/** A run that ends with its item still in progress hands it back the same way an expired lease does. */
export async function returnUnfinished(
  pool: Pool,
  repository: string,
  number: number,
  runId: number,
  maxAttempts: number,
): Promise<ReturnedItem | undefined> {
  const { rows } = await pool.query<ReturnedItem>(
    `update work_items set ${returnToQueue()}
     where repository = $2 and number = $3 and claimed_by_run = $4 and status = 'in-progress'
     ${returned}`,
    [maxAttempts, repository, number, runId],
  )
  return rows[0]
}
