import type { Pool } from './pool.ts'
import type { WorkItem } from './work-items.ts'

type ItemKey = { repository: string; number: number }

/** A new block: its reason and who holds it now (the owner's manager, or `humans`). */
export async function recordBlock(pool: Pool, item: ItemKey, block: { reason: string; holder: string }): Promise<void> {
  await pool.query(
    `update work_items set blocked_reason = $3, escalated_to = $4, escalation_level = 1, escalated_at = now()
     where repository = $1 and number = $2`,
    [item.repository, item.number, block.reason, block.holder],
  )
}

export async function recordEscalation(pool: Pool, item: ItemKey, holder: string): Promise<void> {
  await pool.query(
    `update work_items set escalated_to = $3, escalation_level = escalation_level + 1, escalated_at = now()
     where repository = $1 and number = $2`,
    [item.repository, item.number, holder],
  )
}

/** An unblocked or reassigned item starts afresh: no block, no escalation, no spent attempts or failures. */
export async function clearBlock(pool: Pool, item: ItemKey): Promise<void> {
  await pool.query(
    `update work_items set blocked_reason = null, escalated_to = null, escalation_level = 0, escalated_at = null, attempts = 0,
       failure_count = 0, failure_signature = null
     where repository = $1 and number = $2`,
    [item.repository, item.number],
  )
}

/** A blocked item a manager holds, with how many of the manager's heartbeats finished since it arrived. */
export type HeldBlock = { item: WorkItem; handledRuns: number }

/**
 * The blocked items waiting on a manager, oldest escalation first: those escalated to it,
 * and its reports' blocks no one has escalated yet. `handledRuns` counts the manager's
 * finished heartbeats since the block reached it, for the escalation timeout.
 */
export async function blocksHeldBy(
  pool: Pool,
  at: { repository: string; manager: string; reports: readonly string[]; limit: number },
): Promise<HeldBlock[]> {
  const { rows } = await pool.query<WorkItem & { handled_runs: number }>(
    `select w.*, (select count(*)::int from heartbeat_runs r where r.repository = w.repository and r.agent = $2
                    and r.finished_at is not null and r.started_at > coalesce(w.escalated_at, w.updated_at)) as handled_runs
     from work_items w
     where w.repository = $1 and w.state = 'open' and w.status = 'blocked'
       and (w.escalated_to = $2 or (w.escalated_to is null and w.owner_agent = any($3)))
     order by coalesce(w.escalated_at, w.updated_at), w.number limit $4`,
    [at.repository, at.manager, at.reports, at.limit],
  )
  return rows.map(({ handled_runs: handledRuns, ...item }) => ({ item, handledRuns }))
}

export type OpenEscalationRow = {
  repository: string
  number: number
  title: string
  owner: string | null
  reason: string | null
  escalatedTo: string | null
  level: number
  since: Date
}

/** Every open blocked item with its reason and holder, longest waiting first. */
export async function listOpenEscalations(pool: Pool): Promise<OpenEscalationRow[]> {
  const { rows } = await pool.query<OpenEscalationRow>(
    `select repository, number, title, owner_agent as owner, blocked_reason as reason, escalated_to as "escalatedTo",
            escalation_level as level, coalesce(escalated_at, updated_at) as "since"
     from work_items where state = 'open' and status = 'blocked' order by coalesce(escalated_at, updated_at)`,
  )
  return rows
}
