import pg from 'pg'

export type Pool = pg.Pool
export type PoolClient = pg.PoolClient

const INT8 = 20
const NUMERIC = 1700

// Ids and counts in the mirror fit in a double; reading them as numbers keeps JSON simple.
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8 || oid === NUMERIC ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
}

/** How long taking a connection from the pool may wait, a new connection included. */
export const CONNECTION_TIMEOUT_MS = 5000

/** `connectionTimeoutMillis` 0 waits for ever: only for tests whose fake clock would fire the timeout. */
export function createPool(connectionString: string, max = 10, connectionTimeoutMillis = CONNECTION_TIMEOUT_MS): Pool {
  // Without these a database that drops packets hangs a query for the kernel's TCP
  // timeout (minutes): a connection attempt gives up after 5 s, and keep-alive probes
  // find a dead idle connection before a query is sent on it.
  const pool = new pg.Pool({ connectionString, max, types, connectionTimeoutMillis, keepAlive: true })
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', () => {})
  return pool
}

/** What a query needs: the pool, or one client of it holding a lock or a transaction. */
export type Queryable = Pick<pg.Pool, 'query'>

/**
 * Runs `fn` in one transaction on a client of its own: committed when it returns, rolled
 * back when it throws. A client whose rollback failed (its connection broke) is thrown
 * away, not handed back to the pool.
 */
export async function withTransaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect()
  let broken: Error | undefined
  try {
    await client.query('begin')
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

/** One round trip to the database (`/readyz`): resolves when it answers, rejects with why it did not. */
export async function pingDatabase(pool: Queryable): Promise<void> {
  await pool.query('select 1')
}
