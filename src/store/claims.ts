import { transition, type StatusEvent } from '../company/status-machine.ts'
import type { Status } from '../company/labels.ts'
import type { Pool } from './pool.ts'
import type { WorkItem } from './work-items.ts'

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

/** Whether the agent has a claimable item besides `skip` (a heartbeat that stopped at maxConcurrent asks, to wake it again). */
export async function hasReadyItem(pool: Pool, repository: string, agent: string, skip: readonly number[]): Promise<boolean> {
  const { rowCount } = await pool.query(`select 1 from work_items where ${readyFor} limit 1`, [repository, agent, skip])
  return rowCount === 1
}

/**
 * The agent's `todo` items in the order it would claim them, claimed or not: what a
 * heartbeat re-reads from GitHub before it chooses.
 */
export async function bestReadyItems(
  pool: Pool,
  repository: string,
  agent: string,
  limit: number,
): Promise<Array<{ number: number; kind: 'issue' | 'pull' }>> {
  const { rows } = await pool.query<{ number: number; kind: 'issue' | 'pull' }>(
    `select number, kind from work_items where repository = $1 and owner_agent = $2 and state = 'open' and status = 'todo'
     order by priority_score desc, github_created_at asc nulls last, number asc limit $3`,
    [repository, agent, limit],
  )
  return rows
}

/**
 * Selects and claims the agent's best ready item in one conditional UPDATE. Concurrent
 * claimers skip rows another claimer is updating at that instant instead of queueing
 * behind it, so they spread over the queue; the WHERE still decides the single winner.
 */
export async function claimNextReady(
  pool: Pool,
  repository: string,
  agent: string,
  skip: readonly number[],
  lease: Lease,
): Promise<WorkItem | undefined> {
  const { rows } = await pool.query<WorkItem>(
    `update work_items set status = $6, status_changed_at = now(), claimed_by_run = $4,
        lease_expires_at = now() + make_interval(secs => $5::float8 / 1000), updated_at = now()
     where repository = $1 and number = (
         select number from work_items where ${readyFor}
         order by priority_score desc, github_created_at asc nulls last, number asc
         limit 1 for update skip locked)
       and state = 'open' and status = 'todo' and (claimed_by_run is null or lease_expires_at < now())
     returning *`,
    [repository, agent, skip, lease.runId, lease.leaseMs, CLAIMED],
  )
  return rows[0]
}

/** Extends the lease while work runs; false if the claim was lost meanwhile. */
export async function renewLease(pool: Pool, repository: string, number: number, lease: Lease): Promise<boolean> {
  const result = await pool.query(
    `update work_items set lease_expires_at = now() + make_interval(secs => $4::float8 / 1000)
     where repository = $1 and number = $2 and claimed_by_run = $3 and status = 'in-progress'`,
    [repository, number, lease.runId, lease.leaseMs],
  )
  return result.rowCount === 1
}

/** Gives an item back to `todo` without counting an attempt: its work was stopped on purpose (a graceful stop). */
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

export type ReturnedItem = { repository: string; number: number; status: Status; attempts: number; blocked_reason: string | null; labels: string[] }

const returnToQueue = `
        attempts = attempts + 1,
        status = case when attempts + 1 > $1 then '${EXHAUSTED}' else '${EXPIRED}' end, status_changed_at = now(),
        blocked_reason = case when attempts + 1 > $1
          then 'its work was interrupted or left unfinished ' || (attempts + 1) || ' times' else blocked_reason end,
        claimed_by_run = null, lease_expires_at = null, updated_at = now()`

/**
 * Expired leases go back to `todo` with attempts + 1, or to `blocked` once attempts
 * pass `maxAttempts`, so a crashed run never leaves an item stuck. An item that is
 * `in-progress` without any claim (its label came from GitHub, say a hand-back whose
 * label write failed) goes the same way. Returns what moved,
 * for the caller to mirror onto GitHub.
 */
export async function releaseExpiredLeases(pool: Pool, maxAttempts: number): Promise<ReturnedItem[]> {
  const { rows } = await pool.query<ReturnedItem>(
    `update work_items set ${returnToQueue}
     where status = 'in-progress' and (lease_expires_at < now() or claimed_by_run is null)
     returning repository, number, status, attempts, blocked_reason, labels`,
    [maxAttempts],
  )
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
    `update work_items set ${returnToQueue}
     where repository = $2 and number = $3 and claimed_by_run = $4 and status = 'in-progress'
     returning repository, number, status, attempts, blocked_reason, labels`,
    [maxAttempts, repository, number, runId],
  )
  return rows[0]
}
