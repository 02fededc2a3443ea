import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createScheduler, type Scheduler } from '../src/heartbeat/scheduler.ts'
import { createLogger } from '../src/log.ts'
import { buildRoster } from '../src/roster/load-roster.ts'
import type { Roster } from '../src/roster/roster.ts'
import type { Fire } from '../src/store/heartbeat-runs.ts'
import { migrate } from '../src/store/migrate.ts'
import { createPool, type Pool } from '../src/store/pool.ts'
import { createTestDatabase, type TestDatabase } from './helpers/database.ts'

const log = createLogger('silent')

function roster(agents: Array<{ slug: string; heartbeat: string; timezone?: string }>): Roster {
  const sources = agents.map(({ slug, heartbeat, timezone }, index) => ({
    slug,
    file: `agents/${slug}/AGENTS.md`,
    text: `---\nname: ${slug}\nrole: ${index === 0 ? 'ceo' : 'specialist'}\n${index === 0 ? '' : `reportsTo: ${agents[0]!.slug}\n`}heartbeat: "${heartbeat}"\n${timezone ? `timezone: ${timezone}\n` : ''}---\nWork.\n`,
  }))
  const result = buildRoster(sources)
  if (!result.roster) throw new Error(JSON.stringify(result.problems))
  return result.roster
}

/** Lets real I/O (the coordinator's inserts) finish while the fake clock stands still; `performance` is not faked. */
async function settle(done: () => boolean, maxMs = 3000) {
  const start = performance.now()
  while (!done() && performance.now() - start < maxMs) await new Promise((resolve) => setImmediate(resolve))
}

describe('the scheduler (fake clock, real Postgres coordinator)', () => {
  let db: TestDatabase
  let pools: Pool[]
  let schedulers: Scheduler[]
  const fired: Array<{ replica: number; fire: Fire }> = []

  beforeEach(async () => {
    db = await createTestDatabase()
    await migrate(db.pool)
    fired.length = 0
    // No connection timeout: advancing the fake clock a minute would fire it at once.
    pools = [createPool(db.url, 2, 0), createPool(db.url, 2, 0)]
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'], now: new Date('2026-11-21T12:00:30Z') })
    schedulers = pools.map((pool, replica) => createScheduler({ pool, log, fire: async (fire) => void fired.push({ replica, fire }) }))
  })
  afterEach(async () => {
    await Promise.all(schedulers.map((s) => s.stop()))
    vi.useRealTimers()
    await Promise.all(pools.map((pool) => pool.end()))
    await db.drop()
  })

  it('runs each fire of each agent on exactly one of two replicas', async () => {
    const org = roster([
      { slug: 'boss', heartbeat: '* * * * *' },
      { slug: 'dev', heartbeat: '*/2 * * * *' },
    ])
    schedulers.forEach((s) => s.sync('acme/app', org))

    for (let minute = 1; minute <= 4; minute += 1) {
      await vi.advanceTimersByTimeAsync(60_000)
      await settle(() => fired.length >= minute + Math.floor(minute / 2))
    }
    await settle(() => false, 500)

    const keys = fired.map(({ fire }) => fire.fireKey)
    expect(keys.sort()).toEqual([
      'acme/app/boss:2026-11-21T12:01:00.000Z',
      'acme/app/boss:2026-11-21T12:02:00.000Z',
      'acme/app/boss:2026-11-21T12:03:00.000Z',
      'acme/app/boss:2026-11-21T12:04:00.000Z',
      'acme/app/dev:2026-11-21T12:02:00.000Z',
      'acme/app/dev:2026-11-21T12:04:00.000Z',
    ])
    const rows = await db.pool.query('select fire_key, agent from heartbeat_runs order by fire_key')
    expect(rows.rows.map((row) => row.fire_key)).toEqual(keys)
  })

  it('fires in the agent time zone', async () => {
    vi.setSystemTime(new Date('2026-11-21T23:59:30Z'))
    schedulers[0]!.sync('acme/app', roster([{ slug: 'boss', heartbeat: '0 9 * * *', timezone: 'Asia/Tokyo' }]))

    await vi.advanceTimersByTimeAsync(60_000)
    await settle(() => fired.length >= 1)

    expect(fired.map(({ fire }) => fire.fireKey)).toEqual(['acme/app/boss:2026-11-22T00:00:00.000Z'])
  })

  it('re-registers heartbeats when the roster changes', async () => {
    const scheduler = schedulers[0]!
    scheduler.sync(
      'acme/app',
      roster([
        { slug: 'boss', heartbeat: '* * * * *' },
        { slug: 'dev', heartbeat: '* * * * *' },
      ]),
    )
    scheduler.sync('other/app', roster([{ slug: 'chief', heartbeat: '0 * * * *' }]))
    expect(scheduler.tasks()).toEqual(['acme/app/boss', 'acme/app/dev', 'other/app/chief'])

    scheduler.sync('acme/app', roster([{ slug: 'boss', heartbeat: '*/5 * * * *' }]))
    await vi.advanceTimersByTimeAsync(60_000)
    await settle(() => false, 500)

    expect(scheduler.tasks()).toEqual(['acme/app/boss', 'other/app/chief'])
    expect(fired).toEqual([])
  })
})
