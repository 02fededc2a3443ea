import type { Pool, Queryable } from './pool.ts'

/**
 * Runs `fn` while holding the gate lock of one pull request, across every replica on the
 * database: a transaction-scoped advisory lock on a client of its own, released when the
 * transaction ends (also when the connection drops). `fn` gets that client, so reads under
 * the lock never wait for a second client of a pool the waiters may have filled.
 * Two-key locks do not collide with the one-key migration lock.
 */
export async function withGateLock<T>(pool: Pool, repository: string, number: number, fn: (db: Queryable) => Promise<T>): Promise<T> {
  const client = await pool.connect()
  let broken: Error | undefined
  try {
    await client.query('begin')
    await client.query("select pg_advisory_xact_lock(hashtext('gate:' || $1), $2)", [repository, number])
    const result = await fn(client)
    await client.query('commit')
    return result
  } catch (error) {
    await client.query('rollback').catch((rollbackError: unknown) => {
      broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError))
    })
    throw error
  } finally {
    client.release(broken)
  }
}
