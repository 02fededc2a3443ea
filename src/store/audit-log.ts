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

export type AuditRow = {
  id: number
  at: Date
  actor: string
  action: string
  repository: string | null
  target: number | null
  outcome: string
  detail: Record<string, unknown>
}

/** What the dashboard's audit log may filter on; every field narrows, none is required. */
export type AuditFilter = {
  actor?: string | undefined
  /** An action, or its family: `status` also finds `status.label`. */
  action?: string | undefined
  repository?: string | undefined
  target?: number | undefined
  since?: Date | undefined
  until?: Date | undefined
  /** Rows older than this id: the next page. */
  before?: number | undefined
  limit: number
}

/** Audit rows matching `filter`, newest first. */
export async function listAudit(pool: Pool, filter: AuditFilter): Promise<AuditRow[]> {
  const { rows } = await pool.query<AuditRow>(
    `select id, at, actor, action, repository, target, outcome, detail from audit_log
     where ($1::text is null or actor = $1)
       and ($2::text is null or action = $2 or action like $2 || '.%')
       and ($3::text is null or repository = $3)
       and ($4::int is null or target = $4)
       and ($5::timestamptz is null or at >= $5)
       and ($6::timestamptz is null or at < $6)
       and ($7::bigint is null or id < $7)
     order by id desc limit $8`,
    [
      filter.actor ?? null,
      filter.action ?? null,
      filter.repository ?? null,
      filter.target ?? null,
      filter.since ?? null,
      filter.until ?? null,
      filter.before ?? null,
      filter.limit,
    ],
  )
  return rows
}

/** The actors and actions the audit log holds, for the dashboard's filter choices. */
export async function auditVocabulary(pool: Pool): Promise<{ actors: string[]; actions: string[] }> {
  const { rows } = await pool.query<{ actors: string[] | null; actions: string[] | null }>(
    `select (select array_agg(distinct actor order by actor) from (select actor from audit_log order by id desc limit 5000) a) as actors,
            (select array_agg(distinct action order by action) from (select action from audit_log order by id desc limit 5000) b) as actions`,
  )
  return { actors: rows[0]?.actors ?? [], actions: rows[0]?.actions ?? [] }
}
