import type { Pool } from './pool.ts'

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
