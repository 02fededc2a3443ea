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

export function createPool(connectionString: string, max = 10): Pool {
  const pool = new pg.Pool({ connectionString, max, types })
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', () => {})
  return pool
}

/** What a query needs: the pool, or one client of it holding a lock or a transaction. */
export type Queryable = Pick<pg.Pool, 'query'>
