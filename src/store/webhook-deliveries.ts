import type { QueryConfig } from 'pg'
import { allFulfilled, type BatchOutcome } from './batch-writes.ts'
import type { Pool } from './pool.ts'

export type DeliveryKey = { deliveryId: string; payloadSha256: string }

export type StoredDelivery = DeliveryKey & { event: string; payload: unknown; attempts: number }

/** After this many failed attempts a delivery is dead: kept with its error and not retried by the sweep. */
export const MAX_DELIVERY_ATTEMPTS = 5

/**
 * SQL that is true when a delivery about the item row `item` (with `number` and
 * `github_updated_at`) waits unprocessed, dead ones included, and carries a change later
 * than what the mirror was confirmed with at `confirmedAt`: its payload is newer than the
 * row, or as new and received after the confirmation (GitHub's times are in seconds).
 * The echo of the app's own write (`botLogin`) does not count: the mirror already has what
 * it wrote; nor does the delivery that wrote the row while it is still being marked
 * processed. With `ownComments`, the echo of a comment the app wrote counts: the app's
 * notes written outside a run reach the mirror only through it. `repository` and
 * `botLogin` are SQL expressions (parameters).
 */
export function laterChangeWaits(at: { repository: string; botLogin: string; item: string; confirmedAt: string; ownComments?: boolean }): string {
  const sender = `d.payload->'sender'->>'login' is distinct from ${at.botLogin}`
  return `exists (
    select 1 from webhook_deliveries d where d.processed_at is null and d.payload->'repository'->>'full_name' = ${at.repository}
      and ${at.ownComments ? `(${sender} or d.event = 'issue_comment')` : sender}
      and coalesce(d.payload->'issue'->>'number', d.payload->'pull_request'->>'number') = ${at.item}.number::text
      and (coalesce((coalesce(d.payload->'issue', d.payload->'pull_request')->>'updated_at')::timestamptz, 'infinity'), d.received_at)
        > (${at.item}.github_updated_at, ${at.confirmedAt}))`
}

/** What recording a verified delivery did: stored it, revived a dead one (GitHub's "Redeliver"), or saw a replay. */
export type Recorded = 'new' | 'revived' | 'duplicate'

/** A verified delivery as it is recorded: `body` is the signed text (the payload as JSON when a caller has no text). */
export type DeliveryToRecord = DeliveryKey & { event: string; action: string | undefined; payload: unknown; body?: string }

/**
 * Records a verified delivery before any processing. The body hash alone is the key,
 * because the body is what GitHub signs and the delivery id header is not: a captured
 * body resent under a new id is a duplicate. The one exception is a dead delivery sent
 * again under its own id, which is how GitHub's "Redeliver" looks: it starts over.
 * A new or revived row is leased to the receiving process for `leaseSeconds`.
 * With `timeoutMs` the query fails ("Query read timeout") when the database has not
 * answered by then, and its connection is dropped.
 */
export async function recordDelivery(pool: Pool, delivery: DeliveryToRecord, leaseSeconds: number, timeoutMs?: number): Promise<Recorded> {
  const [recorded] = await recordInOneStatement(pool, [delivery], leaseSeconds, timeoutMs)
  return recorded!
}

/**
 * Records several deliveries in one statement (one commit), answering for each in order
 * what `recordDelivery` would have. A body sent twice within the batch is recorded once;
 * the later copy is a duplicate. A body the database refuses (SQLSTATE class 22) fails
 * the statement for all, so the batch is then recorded one by one and only it is refused.
 */
export async function recordDeliveries(
  pool: Pool,
  deliveries: readonly DeliveryToRecord[],
  leaseSeconds: number,
  timeoutMs?: number,
): Promise<BatchOutcome<Recorded>> {
  try {
    return allFulfilled(await recordInOneStatement(pool, deliveries, leaseSeconds, timeoutMs))
  } catch (error) {
    if (deliveries.length === 1 || !isDataError(error)) throw error
    return Promise.allSettled(deliveries.map((delivery) => recordDelivery(pool, delivery, leaseSeconds, timeoutMs)))
  }
}

/** SQLSTATE class 22: the data itself is wrong, so the same statement fails again on every try. */
export function isDataError(error: unknown): boolean {
  return String((error as { code?: unknown }).code ?? '').startsWith('22')
}

// One statement for any number of deliveries, prepared once per connection. The rows
// arrive as one JSON array built around each body's own text (already valid JSON, checked
// by parsePayload), so a body is neither serialized again nor escaped into an array literal.
const RECORD_DELIVERIES = {
  name: 'gaffer-record-deliveries',
  text: `insert into webhook_deliveries (delivery_id, payload_sha256, event, action, payload, locked_until, attempts)
     select r.d, r.s, r.e, r.a, r.p, now() + make_interval(secs => $2), 1
     from json_to_recordset($1::json) as r(d text, s text, e text, a text, p jsonb)
     on conflict (payload_sha256) do update
       set dead_at = null, attempts = 1, error = null, locked_until = excluded.locked_until
       where webhook_deliveries.dead_at is not null and webhook_deliveries.delivery_id = excluded.delivery_id
     returning payload_sha256, (xmax = 0) as inserted`,
}

async function recordInOneStatement(
  pool: Pool,
  deliveries: readonly DeliveryToRecord[],
  leaseSeconds: number,
  timeoutMs?: number,
): Promise<Recorded[]> {
  const first = new Map<string, number>()
  deliveries.forEach((delivery, index) => first.has(delivery.payloadSha256) || first.set(delivery.payloadSha256, index))
  const rows = [...first.values()].map((index) => {
    const d = deliveries[index]!
    const body = d.body ?? JSON.stringify(d.payload)
    return `{"d":${JSON.stringify(d.deliveryId)},"s":${JSON.stringify(d.payloadSha256)},"e":${JSON.stringify(d.event)},"a":${JSON.stringify(d.action ?? null)},"p":${body}}`
  })
  // query_timeout is a per-query option of node-postgres that its types leave out.
  const result = await pool.query<{ payload_sha256: string; inserted: boolean }>({
    ...(timeoutMs === undefined ? {} : { query_timeout: timeoutMs }),
    ...RECORD_DELIVERIES,
    values: [`[${rows.join(',')}]`, leaseSeconds],
  } as QueryConfig)
  const written = new Map(result.rows.map((row) => [row.payload_sha256, row.inserted]))
  return deliveries.map((delivery, index) => {
    const inserted = first.get(delivery.payloadSha256) === index ? written.get(delivery.payloadSha256) : undefined
    return inserted === undefined ? 'duplicate' : inserted ? 'new' : 'revived'
  })
}

/** Marks deliveries processed, any number in one statement. */
export async function markProcessed(pool: Pool, keys: DeliveryKey | readonly DeliveryKey[]): Promise<void> {
  const shas = (Array.isArray(keys) ? keys : [keys]).map((key: DeliveryKey) => key.payloadSha256)
  await pool.query({
    name: 'gaffer-mark-processed',
    text: 'update webhook_deliveries set processed_at = now(), locked_until = null, error = null where payload_sha256 = any($1::text[])',
    values: [shas],
  })
}

/**
 * Keeps the delivery for a retry after a back-off that grows with each attempt
 * (15 s, 60 s, 135 s, 240 s); the last allowed attempt makes it dead instead.
 */
export async function markFailed(pool: Pool, key: DeliveryKey, error: string): Promise<{ dead: boolean }> {
  const { rows } = await pool.query<{ dead: boolean }>(
    `update webhook_deliveries set error = $2,
       dead_at = case when attempts >= $3 then now() end,
       locked_until = case when attempts >= $3 then null else now() + make_interval(secs => 15 * attempts * attempts) end
     where payload_sha256 = $1 returning dead_at is not null as dead`,
    [key.payloadSha256, error.slice(0, 2000), MAX_DELIVERY_ATTEMPTS],
  )
  return { dead: rows[0]?.dead ?? false }
}

/**
 * Extends the lease of a delivery still being processed, so the sweep does not take
 * it for a crashed one and run it again. False when the row is no longer leased.
 */
export async function renewDeliveryLease(pool: Pool, key: DeliveryKey, leaseSeconds: number): Promise<boolean> {
  const result = await pool.query(
    `update webhook_deliveries set locked_until = now() + make_interval(secs => $2)
     where payload_sha256 = $1 and processed_at is null and dead_at is null`,
    [key.payloadSha256, leaseSeconds],
  )
  return result.rowCount === 1
}

/**
 * Leases deliveries that were recorded but never finished (a crash, or a failure
 * waiting for its retry), so exactly one replica picks each one up.
 */
export async function leasePendingDeliveries(pool: Pool, limit: number, leaseSeconds: number): Promise<StoredDelivery[]> {
  const result = await pool.query<{ delivery_id: string; payload_sha256: string; event: string; payload: unknown; attempts: number }>(
    `update webhook_deliveries d set locked_until = now() + make_interval(secs => $2), attempts = d.attempts + 1
     from (select payload_sha256 from webhook_deliveries
           where processed_at is null and dead_at is null and attempts < $3 and (locked_until is null or locked_until < now())
           order by received_at limit $1 for update skip locked) pending
     where d.payload_sha256 = pending.payload_sha256
     returning d.delivery_id, d.payload_sha256, d.event, d.payload, d.attempts`,
    [limit, leaseSeconds, MAX_DELIVERY_ATTEMPTS],
  )
  return result.rows.map((row) => ({
    deliveryId: row.delivery_id,
    payloadSha256: row.payload_sha256,
    event: row.event,
    payload: row.payload,
    attempts: row.attempts,
  }))
}

/**
 * Makes dead the deliveries whose last allowed attempt never finished (the replica
 * crashed during it): the lease skips them (no attempt is left) and only `markFailed`
 * sets `dead_at`, so without this they would be neither retried, listed dead,
 * revivable nor pruned. A lapsed lease means no replica is still running it.
 */
export async function markAbandonedDeliveriesDead(pool: Pool): Promise<number> {
  const result = await pool.query(
    `update webhook_deliveries set dead_at = now(), locked_until = null,
       error = coalesce(error, 'its last attempt never finished (the replica stopped during it)')
     where processed_at is null and dead_at is null and attempts >= $1 and (locked_until is null or locked_until < now())`,
    [MAX_DELIVERY_ATTEMPTS],
  )
  return result.rowCount ?? 0
}

export type DeadDelivery = {
  deliveryId: string
  event: string
  action: string | null
  attempts: number
  error: string | null
  receivedAt: Date
  deadAt: Date
}

/** Dead deliveries, newest first, for the state API. */
export async function listDeadDeliveries(pool: Pool, limit = 50): Promise<DeadDelivery[]> {
  const result = await pool.query<DeadDelivery>(
    `select delivery_id as "deliveryId", event, action, attempts, error, received_at as "receivedAt", dead_at as "deadAt"
     from webhook_deliveries where dead_at is not null order by dead_at desc limit $1`,
    [limit],
  )
  return result.rows
}

/**
 * Gives a dead delivery a fresh set of attempts; the next sweep of any replica runs it.
 * Returns how many rows were revived (0 when no dead delivery has that id).
 */
export async function retryDeadDelivery(pool: Pool, deliveryId: string): Promise<number> {
  const result = await pool.query(
    'update webhook_deliveries set dead_at = null, attempts = 0, locked_until = null where delivery_id = $1 and dead_at is not null',
    [deliveryId],
  )
  return result.rowCount ?? 0
}

/** Which of these GitHub delivery ids are recorded here (processed or not). */
export async function knownDeliveryIds(pool: Pool, deliveryIds: readonly string[]): Promise<Set<string>> {
  if (deliveryIds.length === 0) return new Set()
  const result = await pool.query<{ delivery_id: string }>('select delivery_id from webhook_deliveries where delivery_id = any($1)', [deliveryIds])
  return new Set(result.rows.map((row) => row.delivery_id))
}
