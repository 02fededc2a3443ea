import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { claimNextReady } from '../src/store/claims.ts'
import { migrate } from '../src/store/migrate.ts'
import { createPool } from '../src/store/pool.ts'
import { createTestDatabase, type TestDatabase } from './helpers/database.ts'

describe('claims under contention', () => {
  let db: TestDatabase
  beforeAll(async () => {
    db = await createTestDatabase()
    await migrate(db.pool)
    await db.pool.query("insert into repositories (full_name, installation_id) values ('acme/app', 1)")
    await db.pool.query(
      `insert into work_items (repository, number, kind, title, state, status, owner_agent, github_created_at)
       select 'acme/app', n, 'issue', 'task ' || n, 'open', 'todo', 'dev', now() - make_interval(secs => n)
       from generate_series(1, 500) as n`,
    )
  })
  afterAll(async () => {
    await db?.drop()
  })

  it('50 claimers on separate connections claim each of 500 items exactly once', async () => {
    await db.pool.query("update work_items set status = 'todo', claimed_by_run = null, lease_expires_at = null")
    const pool = createPool(db.url, 50)
    const claims: Array<{ claimer: number; number: number }> = []

    await Promise.all(
      Array.from({ length: 50 }, async (_, claimer) => {
        const runId = 1000 + claimer
        for (;;) {
          const won = await claimNextReady(pool, 'acme/app', 'dev', [], { runId, leaseMs: 60_000 })
          if (!won) return
          claims.push({ claimer, number: won.number })
        }
      }),
    )
    await pool.end()

    const perItem = new Map<number, number>()
    claims.forEach(({ number }) => perItem.set(number, (perItem.get(number) ?? 0) + 1))
    const doubleClaims = [...perItem.values()].filter((count) => count > 1).length
    expect(doubleClaims).toBe(0)
    expect(perItem.size).toBe(500)
    expect(new Set(claims.map((c) => c.claimer)).size).toBeGreaterThan(1)
    const { rows } = await db.pool.query("select count(*)::int as n from work_items where status = 'in-progress' and claimed_by_run is not null")
    expect(rows[0].n).toBe(500)
  })

  it('lets an expired lease be claimed again, and never a live one', async () => {
    await db.pool.query("update work_items set status = 'done'")
    await db.pool.query("update work_items set status = 'todo', claimed_by_run = 7, lease_expires_at = now() + interval '1 hour' where number = 1")
    await db.pool.query("update work_items set status = 'todo', claimed_by_run = 7, lease_expires_at = now() - interval '1 second' where number = 2")

    const first = await claimNextReady(db.pool, 'acme/app', 'dev', [], { runId: 8, leaseMs: 60_000 })
    const second = await claimNextReady(db.pool, 'acme/app', 'dev', [], { runId: 8, leaseMs: 60_000 })

    expect(first).toMatchObject({ number: 2, status: 'in-progress', claimed_by_run: 8 })
    expect(second).toBeUndefined()
  })
})

describe('claim order', () => {
  let db: TestDatabase
  beforeAll(async () => {
    db = await createTestDatabase()
    await migrate(db.pool)
    await db.pool.query("insert into repositories (full_name, installation_id) values ('acme/app', 1)")
  })
  afterAll(async () => {
    await db?.drop()
  })

  it('takes priority first, then the oldest, then the lowest number', async () => {
    await db.pool.query(
      `insert into work_items (repository, number, kind, title, state, status, owner_agent, priority_score, github_created_at) values
        ('acme/app', 1, 'issue', 'low', 'open', 'todo', 'dev', 100, '2026-01-01'),
        ('acme/app', 2, 'issue', 'high, newer', 'open', 'todo', 'dev', 700, '2026-03-01'),
        ('acme/app', 3, 'issue', 'high, older', 'open', 'todo', 'dev', 700, '2026-02-01'),
        ('acme/app', 5, 'issue', 'high, older, same day', 'open', 'todo', 'dev', 700, '2026-02-01'),
        ('acme/app', 4, 'issue', 'someone else', 'open', 'todo', 'ops', 999, '2026-01-01'),
        ('acme/app', 6, 'issue', 'closed', 'closed', 'todo', 'dev', 999, '2026-01-01'),
        ('acme/app', 7, 'issue', 'blocked', 'open', 'blocked', 'dev', 999, '2026-01-01')`,
    )
    const order: number[] = []

    for (let run = 1; ; run += 1) {
      const item = await claimNextReady(db.pool, 'acme/app', 'dev', [], { runId: run, leaseMs: 60_000 })
      if (!item) break
      order.push(item.number)
    }

    expect(order).toEqual([3, 5, 2, 1])
  })
})
