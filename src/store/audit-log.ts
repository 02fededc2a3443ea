import type { Pool, PoolClient } from './pool.ts'

export type AuditEntry = {
  actor: string
  action: string
  repository?: string | undefined
  target?: number | undefined
  outcome: string
  detail?: Record<string, unknown>
}

/** On the pool, or on a client inside a transaction that must commit the row with its change. */
export async function appendAudit(pool: Pool | PoolClient, entry: AuditEntry): Promise<void> {
  await pool.query('insert into audit_log (actor, action, repository, target, outcome, detail) values ($1, $2, $3, $4, $5, $6)', [
    entry.actor,
    entry.action,
    entry.repository ?? null,
    entry.target ?? null,
    entry.outcome,
    entry.detail ?? {},
  ])
}
