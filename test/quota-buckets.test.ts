import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { quotaRank, type QuotaPriority } from '../src/company/quota-rank.ts'
import { createLogger } from '../src/log.ts'
import { createGithubQuota } from '../src/quota/github-quota.ts'
import { createQuotaArbiter, type QuotaArbiter } from '../src/quota/quota-arbiter.ts'
import { withQuotaPriority } from '../src/quota/quota-priority.ts'
import { defaultQuotaSettings, githubWriteSpend, type QuotaSettings } from '../src/quota/quota-settings.ts'
import { migrate } from '../src/store/migrate.ts'
import { withGateLock } from '../src/store/gate-lock.ts'
import { createPool, type Pool } from '../src/store/pool.ts'
import { listQuotaBuckets } from '../src/store/quota-buckets.ts'
import { createTestDatabase, type TestDatabase } from './helpers/database.ts'

describe('quota rank (SPEC §17)', () => {
  it.each<[string, QuotaPriority, QuotaPriority]>([
    ['a person (webhook, command) before any heartbeat', { lane: 'urgent' }, { lane: 'heartbeat', score: 1000 }],
    ['a p0 item (urgent lane) before a p3 heartbeat', { lane: 'urgent', score: 700 }, { lane: 'heartbeat', score: 100 }],
    ['a higher-priority heartbeat before a lower one', { lane: 'heartbeat', score: 500 }, { lane: 'heartbeat', score: 300 }],
    ['the lowest heartbeat before the sweep', { lane: 'heartbeat', score: 0 }, { lane: 'sweep' }],
  ])('%s', (_, first, second) => {
    expect(quotaRank(first)).toBeLessThan(quotaRank(second))
  })
})

/** Two replicas' quota: each its own arbiter and pool, one database. */
describe('quota shared by replicas through Postgres', () => {
  let db: TestDatabase
  let otherPool: Pool
  const log = createLogger('silent')
  const settings = (overrides: Partial<QuotaSettings['github']>, minuteMs: number): QuotaSettings => ({
    ...defaultQuotaSettings,
    github: { ...defaultQuotaSettings.github, ...overrides },
    minuteMs,
    pollMs: 100,
  })
  const arbiters = (quota: QuotaSettings): [QuotaArbiter, QuotaArbiter] => [
    createQuotaArbiter({ pool: db.pool, log, settings: quota }),
    createQuotaArbiter({ pool: otherPool, log, settings: quota }),
  ]
  const waiters = async (bucket: string) => (await listQuotaBuckets(db.pool)).find((row) => row.key === bucket)?.waiting ?? 0

  beforeAll(async () => {
    db = await createTestDatabase()
    await migrate(db.pool)
    otherPool = createPool(db.url)
  })
  afterAll(async () => {
    await otherPool?.end()
    await db?.drop()
  })

  it('refuses a write on one replica because the other spent the budget', async () => {
    const quota = settings({ contentPerMinute: 2 }, 60_000)
    const [a, b] = arbiters(quota)
    const comment = githubWriteSpend(quota, 'shared-1', true)

    await a.ask({ specs: comment, priority: { lane: 'heartbeat', score: 300 } })
    await a.ask({ specs: comment, priority: { lane: 'heartbeat', score: 300 } })
    const refused = b.ask({ specs: comment, priority: { lane: 'urgent' }, signal: AbortSignal.timeout(500) })

    await expect(refused).rejects.toThrow(/timeout|aborted/i)
    const minute = (await listQuotaBuckets(db.pool)).find((row) => row.key === 'github:shared-1:content/min')!
    expect(minute).toMatchObject({ capacity: 2, remaining: 0, spent: 2 })
    expect(minute.waits).toBeGreaterThan(0)
  })

  it('serves p0 before p3 when a drained bucket refills, whichever replica asked first', async () => {
    const quota = settings({ contentPerMinute: 1 }, 1_500)
    const [a, b] = arbiters(quota)
    const comment = githubWriteSpend(quota, 'drained-1', true)
    // Each request is answered at once: its spend counts from then.
    const send = async (arbiter: QuotaArbiter, priority: QuotaPriority) => (await arbiter.ask({ specs: comment, priority })).settle(true)
    await send(a, { lane: 'sweep' })
    const served: string[] = []

    const p3 = send(a, { lane: 'heartbeat', score: 100 }).then(() => served.push('p3'))
    await expect.poll(() => waiters('github:drained-1:content/min'), { timeout: 5_000, interval: 20 }).toBe(1)
    const p0 = send(b, { lane: 'urgent', score: 700 }).then(() => served.push('p0'))
    await Promise.all([p0, p3])

    expect(served).toEqual(['p0', 'p3'])
  })

  it('counts a content spend as late as GitHub could count it, and gives it back when GitHub refused the request for a limit', async () => {
    const quota = settings({ contentPerMinute: 1 }, 60_000)
    const [a] = arbiters(quota)
    const gate = createGithubQuota({ pool: db.pool, log, arbiter: a })
    const request = { installation: 'settled-1', kind: 'content' as const }
    const minute = 'github:settled-1:content/min'
    const spendAt = async () =>
      (
        await db.pool.query<{ ahead: number }>('select extract(epoch from at - now()) as ahead from quota_spends where bucket = $1', [minute])
      ).rows.map((row) => Number(row.ahead))
    const remaining = async () => (await listQuotaBuckets(db.pool)).find((row) => row.key === minute)?.remaining

    const refused = await gate.before(request)
    const secondary = { 'retry-after': '0' }
    await gate.after({ ...request, status: 403, headers: secondary, message: 'You have exceeded a secondary rate limit.', ticket: refused })
    expect(await remaining()).toBe(1)

    const sent = await gate.before(request)
    // On its way to GitHub (Probot's throttle may hold it): counted as made up to a window later.
    expect((await spendAt())[0]).toBeGreaterThan(50)
    await gate.after({ ...request, status: 201, headers: {}, message: '', ticket: sent })
    // Answered: counted from the answer, when GitHub had it at the latest.
    expect(Math.abs((await spendAt())[0]!)).toBeLessThan(5)
    expect(await remaining()).toBe(0)
  })

  it('sends no write of a claim given back as its turn came, and gives back what the turn spent', async () => {
    const quota = settings({ contentPerMinute: 1 }, 60_000)
    const [a] = arbiters(quota)
    const gate = createGithubQuota({ pool: db.pool, log, arbiter: a })
    const giveBack = new AbortController()
    const watch = { waiting: 0, writes: 0, signal: giveBack.signal }

    const asking = withQuotaPriority({ lane: 'heartbeat', score: 100 }, () => gate.before({ installation: 'given-1', kind: 'content' }), watch)
    // Given back while the ask is on its way to Postgres: it is granted, but the write must not go.
    giveBack.abort(new Error('given back for better work'))

    await expect(asking).rejects.toThrow('given back for better work')
    expect(watch.writes).toBe(0)
    expect((await listQuotaBuckets(db.pool)).find((row) => row.key === 'github:given-1:content/min')).toMatchObject({ remaining: 1, spent: 1 })
  })

  it('pauses a bucket for every replica until the pause ends', async () => {
    const quota = settings({}, 60_000)
    const [a, b] = arbiters(quota)
    const write = githubWriteSpend(quota, 'paused-1', false)

    await a.pause(write, new Date(Date.now() + 60_000), 'GitHub answered 429: secondary rate limit')

    await expect(b.ask({ specs: write, priority: { lane: 'urgent' }, signal: AbortSignal.timeout(400) })).rejects.toThrow(/timeout|aborted/i)
    const primary = (await listQuotaBuckets(db.pool)).find((row) => row.key === 'github:paused-1:primary')!
    expect(primary.pause_reason).toBe('GitHub answered 429: secondary rate limit')
    expect(primary.paused_until).not.toBeNull()
  })

  it("spends the quota of a gate's write while other decisions of the pull request wait their turn, however small the pool", async () => {
    // As many decisions of one pull request as the pool has clients: waiters holding every
    // client would leave the holder's quota ask none, and after the connect timeout it
    // would go ahead unspent.
    const pool = createPool(db.url, 3, 2_000)
    try {
      const quota = settings({}, 60_000)
      const arbiter = createQuotaArbiter({ pool, log, settings: quota })
      const write = githubWriteSpend(quota, 'gated-1', false)

      await Promise.all(
        Array.from({ length: 3 }, () => withGateLock(pool, 'o/r', 7, () => arbiter.ask({ specs: write, priority: { lane: 'urgent' } }))),
      )

      expect((await listQuotaBuckets(db.pool)).find((row) => row.key === 'github:gated-1:primary')).toMatchObject({ spent: 3 })
    } finally {
      await pool.end()
    }
  })

  it('pauses the installation for a spent primary limit, not for a spent search limit', async () => {
    const quota = settings({}, 60_000)
    const [a] = arbiters(quota)
    const gate = createGithubQuota({ pool: db.pool, log, arbiter: a })
    const refused = (installation: string, resource: string) =>
      gate.after({
        installation,
        kind: 'read',
        status: 403,
        headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-resource': resource, 'x-ratelimit-reset': String(Math.ceil(Date.now() / 1000) + 30) },
        message: 'API rate limit exceeded for installation.',
      })

    expect(await refused('search-1', 'search')).toBe(false)
    expect(await refused('core-1', 'core')).toBe(true)

    const paused = (await listQuotaBuckets(db.pool)).filter((row) => row.paused_until !== null).map((row) => row.key)
    expect(paused).toContain('github:core-1:primary')
    expect(paused).not.toContain('github:search-1:primary')
  })

  it('lets a concurrent place go to the next call once the first gives it back', async () => {
    const quota = { ...settings({}, 60_000), model: { requestsPerMinute: undefined, tokensPerMinute: undefined, concurrent: 1 } }
    const [a, b] = arbiters(quota)
    const specs = [{ key: 'model:m:concurrent', kind: 'concurrent' as const, capacity: 1, windowMs: 0, cost: 1 }]

    const first = await a.ask({ specs })
    await expect(b.ask({ specs, signal: AbortSignal.timeout(300) })).rejects.toThrow(/timeout|aborted/i)
    await first.release()

    await expect(b.ask({ specs, signal: AbortSignal.timeout(2_000) })).resolves.toMatchObject({ holder: expect.any(String) })
  })
})
