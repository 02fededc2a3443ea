import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { claimNextReady, claimReady } from '../src/store/claims.ts'
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

describe('claims of several items in one statement', () => {
  let db: TestDatabase
  beforeAll(async () => {
    db = await createTestDatabase()
    await migrate(db.pool)
    await db.pool.query("insert into repositories (full_name, installation_id) values ('acme/app', 1)")
    await db.pool.query(`insert into agents (repository, slug, name, role, config_hash) values ('acme/app', 'dev', 'Dev', 'specialist', 'x')`)
  })
  afterAll(async () => {
    await db?.drop()
  })
  const fill = async (items: number) => {
    await db.pool.query('delete from work_items')
    await db.pool.query(
      `insert into work_items (repository, number, kind, title, state, status, owner_agent, priority_score, github_created_at)
       select 'acme/app', n, 'issue', 'task ' || n, 'open', 'todo', 'dev', n % 7, now() - make_interval(secs => n)
       from generate_series(1, $1::int) as n`,
      [items],
    )
  }

  it('30 claimers taking three at a time claim each of 600 items exactly once, best first within each claim', async () => {
    await fill(600)
    const pool = createPool(db.url, 30)
    const claims: Array<{ claimer: number; numbers: number[]; scores: number[] }> = []

    await Promise.all(
      Array.from({ length: 30 }, async (_, claimer) => {
        for (;;) {
          const won = await claimReady(
            pool,
            { repository: 'acme/app', agent: 'dev', skip: [] },
            { runId: 2000 + claimer, leaseMs: 60_000 },
            { count: 3 },
          )
          if (won.length === 0) return
          claims.push({ claimer, numbers: won.map((item) => item.number), scores: won.map((item) => item.priority_score) })
        }
      }),
    )
    await pool.end()

    const all = claims.flatMap((claim) => claim.numbers)
    expect(all).toHaveLength(600)
    expect(new Set(all).size).toBe(600)
    expect(claims.every((claim) => claim.numbers.length <= 3)).toBe(true)
    expect(claims.every((claim) => claim.scores.every((score, i) => i === 0 || score <= claim.scores[i - 1]!))).toBe(true)
    expect(claims.filter((claim) => claim.numbers.length === 3).length).toBeGreaterThan(100)
    const { rows } = await db.pool.query("select count(*)::int as n from work_items where status = 'in-progress' and claimed_by_run is not null")
    expect(rows[0].n).toBe(600)
  })

  it('claims no more than the monthly budget has room for, counting what live claims reserved', async () => {
    await fill(10)
    await db.pool.query("update agents set month_spend_usd = 1.5, paused = false where slug = 'dev'")
    const claim = (runId: number, count: number) =>
      claimReady(
        db.pool,
        { repository: 'acme/app', agent: 'dev', skip: [] },
        { runId, leaseMs: 60_000 },
        {
          count,
          budget: { monthlyUsd: 4, reserveUsd: 1 },
        },
      )

    // $1.50 spent of $4: three runs of $1 fit (the third only in part).
    expect(await claim(1, 5)).toHaveLength(3)
    // Those three reserved $3: nothing is left until they end.
    expect(await claim(2, 5)).toHaveLength(0)
    // One ends (its claim released): its reservation goes with it.
    await db.pool.query(
      'update work_items set claimed_by_run = null, status = $1 where number = (select min(number) from work_items where claimed_by_run = 1)',
      ['done'],
    )
    expect(await claim(3, 5)).toHaveLength(1)
    // A lapsed lease reserves nothing either.
    await db.pool.query("update work_items set lease_expires_at = now() - interval '1 second' where claimed_by_run = 1")
    expect(await claim(4, 5)).toHaveLength(2)
    // A paused agent claims nothing.
    await db.pool.query("update agents set paused = true where slug = 'dev'")
    await db.pool.query("update work_items set claimed_by_run = null, status = 'todo', lease_expires_at = null")
    expect(await claim(5, 5)).toHaveLength(0)
  })
})
