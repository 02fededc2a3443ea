import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { afterAll, beforeAll, inject } from 'vitest'
import { migrate } from '../../src/store/migrate.ts'
import { createPool, type Pool } from '../../src/store/pool.ts'

export type TestDatabase = { url: string; pool: Pool; drop: () => Promise<void> }

/** A fresh, empty database on the test server, dropped by `drop()`. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = inject('adminDatabaseUrl')
  const name = `gaffer_test_${randomBytes(6).toString('hex')}`
  const admin = new pg.Client({ connectionString: adminUrl })
  await admin.connect()
  await admin.query(`create database ${name}`)
  await admin.end()
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  const pool = createPool(url.toString())
  return {
    url: url.toString(),
    pool,
    async drop() {
      await pool.end()
      const client = new pg.Client({ connectionString: adminUrl })
      await client.connect()
      await client.query(`drop database if exists ${name} with (force)`)
      await client.end()
    },
  }
}

/**
 * A fresh database with every migration applied for the tests of one describe block,
 * dropped after them. Its fields are set once `beforeAll` has run.
 */
export function useMigratedDatabase(): TestDatabase {
  const used = {} as TestDatabase
  beforeAll(async () => {
    Object.assign(used, await createTestDatabase())
    await migrate(used.pool)
  })
  afterAll(async () => {
    await used.drop?.()
  })
  return used
}
