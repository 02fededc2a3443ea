import { withTransaction, type Pool, type Queryable } from './pool.ts'

/** How long a call waits for a gate lock another call holds before it gives its client back and tries again. */
const GATE_LOCK_WAIT_MS = 100
const GATE_LOCK_RETRY_MS = 20

/**
 * Runs `fn` while holding the gate lock of one pull request, across every replica on the
 * database: a transaction-scoped advisory lock on a client of its own, released when the
 * transaction ends (also when the connection drops). `fn` gets that client, so reads under
 * the lock never wait for a second client. A call waiting for the lock gives its client back
 * every `GATE_LOCK_WAIT_MS`: the holder's GitHub write asks the shared quota (SPEC §17) on a
 * second client of the same pool, which waiters holding every client would leave it none of.
 * Two-key locks do not collide with the one-key migration lock.
 */
export async function withGateLock<T>(pool: Pool, repository: string, number: number, fn: (db: Queryable) => Promise<T>): Promise<T> {
  for (;;) {
    let locked = false
    try {
      return await withTransaction(pool, async (client) => {
        await client.query(`set local lock_timeout = ${GATE_LOCK_WAIT_MS}`)
        await client.query("select pg_advisory_xact_lock(hashtext('gate:' || $1), $2)", [repository, number])
        locked = true
        await client.query('set local lock_timeout to default')
        return fn(client)
      })
    } catch (error) {
      // 55P03: the wait for the lock ran out; anything once the lock is held is `fn`'s own failure.
      if (locked || (error as { code?: unknown }).code !== '55P03') throw error
    }
    await new Promise((resolve) => setTimeout(resolve, GATE_LOCK_RETRY_MS))
  }
}
