import type { Pool } from './pool.ts'

export type DeliveryKey = { deliveryId: string; payloadSha256: string }

export type StoredDelivery = DeliveryKey & { event: string; payload: unknown; attempts: number }

/** After this many failed attempts a delivery stays in the table with its error and is not retried. */
export const MAX_DELIVERY_ATTEMPTS = 5

/**
 * Records a verified delivery before any processing. Returns false for a replay
 * (same delivery id and body), which the caller acknowledges and ignores.
 * The new row is leased to the receiving process for `leaseSeconds`.
 */
export async function recordDelivery(
  pool: Pool,
  delivery: DeliveryKey & { event: string; action: string | undefined; payload: unknown },
  leaseSeconds: number,
): Promise<boolean> {
  const result = await pool.query(
    `insert into webhook_deliveries (delivery_id, payload_sha256, event, action, payload, locked_until, attempts)
     values ($1, $2, $3, $4, $5, now() + make_interval(secs => $6), 1)
     on conflict do nothing`,
    [delivery.deliveryId, delivery.payloadSha256, delivery.event, delivery.action ?? null, delivery.payload, leaseSeconds],
  )
  return result.rowCount === 1
}

export async function markProcessed(pool: Pool, key: DeliveryKey): Promise<void> {
  await pool.query(
    'update webhook_deliveries set processed_at = now(), locked_until = null, error = null where delivery_id = $1 and payload_sha256 = $2',
    [key.deliveryId, key.payloadSha256],
  )
}

/** Keeps the delivery for a retry after a back-off that grows with each attempt. */
export async function markFailed(pool: Pool, key: DeliveryKey, error: string): Promise<void> {
  await pool.query(
    `update webhook_deliveries set error = $3, locked_until = now() + make_interval(secs => 15 * attempts * attempts)
     where delivery_id = $1 and payload_sha256 = $2`,
    [key.deliveryId, key.payloadSha256, error.slice(0, 2000)],
  )
}

/**
 * Leases deliveries that were recorded but never finished (a crash, or a failure
 * waiting for its retry), so exactly one replica picks each one up.
 */
export async function leasePendingDeliveries(pool: Pool, limit: number, leaseSeconds: number): Promise<StoredDelivery[]> {
  const result = await pool.query<{ delivery_id: string; payload_sha256: string; event: string; payload: unknown; attempts: number }>(
    `update webhook_deliveries d set locked_until = now() + make_interval(secs => $2), attempts = d.attempts + 1
     from (select delivery_id, payload_sha256 from webhook_deliveries
           where processed_at is null and attempts < $3 and (locked_until is null or locked_until < now())
           order by received_at limit $1 for update skip locked) pending
     where d.delivery_id = pending.delivery_id and d.payload_sha256 = pending.payload_sha256
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
