import { withTransaction, type Pool, type Queryable } from './pool.ts'

/**
 * Runs `fn` while holding the gate lock of one pull request, across every replica on the
 * database: a transaction-scoped advisory lock on a client of its own, released when the
 * transaction ends (also when the connection drops). `fn` gets that client, so reads under
 * the lock never wait for a second client of a pool the waiters may have filled.
 * Two-key locks do not collide with the one-key migration lock.
 */
export async function withGateLock<T>(pool: Pool, repository: string, number: number, fn: (db: Queryable) => Promise<T>): Promise<T> {
  return withTransaction(pool, async (client) => {
    await client.query("select pg_advisory_xact_lock(hashtext('gate:' || $1), $2)", [repository, number])
    return fn(client)
  })
}
