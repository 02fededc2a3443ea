import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { migrate } from '../src/store/migrate.ts'
import { createPool } from '../src/store/pool.ts'
import { createTestDatabase, type TestDatabase } from './helpers/database.ts'

describe('migrations', () => {
  let db: TestDatabase
  beforeEach(async () => {
    db = await createTestDatabase()
  })
  afterEach(async () => {
    await db.drop()
  })

  it('creates the tables of the operator contract', async () => {
    await migrate(db.pool)

    const { rows } = await db.pool.query<{ table_name: string }>(
      "select table_name from information_schema.tables where table_schema = 'public' order by table_name",
    )
    expect(rows.map((r) => r.table_name)).toEqual(
      expect.arrayContaining(['agents', 'approvals', 'audit_log', 'heartbeat_runs', 'quality_scores', 'webhook_deliveries', 'work_items']),
    )
  })

  it('two replicas migrating at once leave one schema, each migration applied once', async () => {
    const replicas = [createPool(db.url, 2), createPool(db.url, 2), createPool(db.url, 2)]

    const results = await Promise.all(replicas.map((pool) => migrate(pool)))

    const appliedBy = results.map((r) => r.applied.length)
    expect(appliedBy.filter((n) => n > 0)).toHaveLength(1)
    const { rows } = await db.pool.query('select name from schema_migrations')
    expect(rows.length).toBe(Math.max(...appliedBy))
    await Promise.all(replicas.map((pool) => pool.end()))
  })

  it('is a no-op when the schema is current', async () => {
    await migrate(db.pool)

    const again = await migrate(db.pool)

    expect(again.applied).toEqual([])
    expect(again.alreadyApplied).toBeGreaterThan(0)
  })
})
