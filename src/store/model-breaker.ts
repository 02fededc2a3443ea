import type { BreakerState } from '../llm/model-breaker-rules.ts'
import { withTransaction, type Pool } from './pool.ts'

const breakerColumns = `state, consecutive_failures as "consecutiveFailures", since, last_error as "lastError", next_probe_at as "nextProbeAt"`

/** The global model breaker as every replica sees it. */
export async function readModelBreaker(pool: Pool): Promise<BreakerState> {
  const { rows } = await pool.query<BreakerState>(`select ${breakerColumns} from model_breaker`)
  if (!rows[0]) throw new Error('the model_breaker row is missing; run the migrations again (migrations/007_model_breaker.sql inserts it)')
  return rows[0]
}

/**
 * Reads the breaker under a row lock, lets `decide` choose the next state, and writes
 * it, so two replicas recording failures at once count both and only one of them sees
 * the breaker trip (or takes the probe). `decide` returns undefined to change nothing.
 */
export async function changeModelBreaker<T extends { next: BreakerState } | undefined>(
  pool: Pool,
  decide: (state: BreakerState) => T,
): Promise<{ before: BreakerState; decision: T }> {
  return withTransaction(pool, async (client) => {
    const { rows } = await client.query<BreakerState>(`select ${breakerColumns} from model_breaker for update`)
    const before = rows[0]
    if (!before) throw new Error('the model_breaker row is missing; run the migrations again (migrations/007_model_breaker.sql inserts it)')
    const decision = decide(before)
    if (decision) {
      const { next } = decision
      await client.query(
        `update model_breaker set state = $1, consecutive_failures = $2, since = $3, last_error = $4, next_probe_at = $5, updated_at = now()`,
        [next.state, next.consecutiveFailures, next.since, next.lastError, next.nextProbeAt],
      )
    }
    return { before, decision }
  })
}
