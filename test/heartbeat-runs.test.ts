import { describe, expect, it } from 'vitest'
import { recordFire, recordQuietHeartbeat, type Fire } from '../src/store/heartbeat-runs.ts'
import { useMigratedDatabase } from './helpers/database.ts'

const repository = 'acme/app'
const cron = (agent: string, slot: string): Fire => ({ repository, agent, fireKey: `${repository}/${agent}:${slot}`, trigger: 'cron' })

describe('heartbeat run records of one tick', () => {
  const db = useMigratedDatabase()

  /** The transactions that last wrote these runs' rows: one per commit. */
  const commitsOf = async (fireKeys: readonly string[]) =>
    (await db.pool.query<{ n: number }>('select count(distinct xmin::text)::int as n from heartbeat_runs where fire_key = any($1)', [fireKeys]))
      .rows[0]!.n

  it('elects the fires asked for at once in one commit, each fire once', async () => {
    const taken = cron('ceo', '2026-12-07T09:00:00.000Z')
    await recordFire(db.pool, taken)
    const fires = ['vp-1', 'vp-2', 'dev-1', 'dev-2', 'dev-3'].map((agent) => cron(agent, '2026-12-07T09:00:00.000Z'))

    // As node-cron's tasks of one tick ask the run coordinator: all at once, and one of them twice.
    const ids = await Promise.all([...fires, fires[2]!, taken].map((fire) => recordFire(db.pool, fire)))

    // Asked in the same turn of the event loop, as a tick's timers fire: one statement, one commit.
    expect(await commitsOf(fires.map((fire) => fire.fireKey))).toBe(1)
    expect(ids.slice(0, 5).every((id) => typeof id === 'number')).toBe(true)
    expect(new Set(ids.slice(0, 5)).size).toBe(5)
    // The same fire asked again, and a fire already elected, are not this caller's to run.
    expect(ids.slice(5)).toEqual([undefined, undefined])
  })

  it('records quiet heartbeats asked for at once together, each with its outcome, releasing expired leases once', async () => {
    await db.pool.query('insert into repositories (full_name, installation_id) values ($1, 1) on conflict do nothing', [repository])
    await db.pool.query(
      `insert into work_items (repository, number, kind, title, state, status, owner_agent, claimed_by_run, lease_expires_at, github_created_at)
       values ($1, 7, 'issue', 'left behind by a crash', 'open', 'in-progress', 'dev-9', 999999, now() - interval '1 second', now())`,
      [repository],
    )
    const slot = '2026-12-07T09:15:00.000Z'
    const elected = ['dev-1', 'dev-2', 'dev-3'].map((agent) => cron(agent, slot))
    for (const fire of elected) await recordFire(db.pool, fire)
    const wake: Fire = { repository, agent: 'dev-4', fireKey: `wake:${repository}/dev-4:1`, trigger: 'wake' }
    const api: Fire = { repository, agent: 'dev-5', fireKey: `api:${repository}/dev-5:1`, trigger: 'api' }
    // Elected on another replica: this one holds no run to finish.
    const elsewhere = cron('dev-6', slot)

    const quiet = [
      { fire: elected[0]!, outcome: 'idle', error: null },
      { fire: elected[1]!, outcome: 'skipped', error: 'paused' },
      { fire: wake, outcome: 'idle', error: null },
      { fire: elected[2]!, outcome: 'idle', error: null },
      { fire: api, outcome: 'skipped', error: 'another heartbeat of this agent is running' },
      { fire: elsewhere, outcome: 'idle', error: null },
    ] as const
    const records = await Promise.all(
      quiet.map(({ fire, outcome, error }) => recordQuietHeartbeat(db.pool, fire, { outcome, error, maxAttempts: 3 })),
    )

    expect(records.map((record) => record.runId === undefined)).toEqual([false, false, false, false, false, true])
    const { rows } = await db.pool.query(
      `select agent, trigger, outcome, error, finished_at is not null as finished from heartbeat_runs where id = any($1) order by agent`,
      [records.map((record) => record.runId).filter((id) => id !== undefined)],
    )
    expect(rows).toEqual([
      { agent: 'dev-1', trigger: 'cron', outcome: 'idle', error: null, finished: true },
      { agent: 'dev-2', trigger: 'cron', outcome: 'skipped', error: 'paused', finished: true },
      { agent: 'dev-3', trigger: 'cron', outcome: 'idle', error: null, finished: true },
      { agent: 'dev-4', trigger: 'wake', outcome: 'idle', error: null, finished: true },
      { agent: 'dev-5', trigger: 'api', outcome: 'skipped', error: 'another heartbeat of this agent is running', finished: true },
    ])
    // Released once, and handed to one heartbeat only, which mirrors it onto GitHub.
    expect(records.flatMap((record) => record.released)).toEqual([expect.objectContaining({ repository, number: 7, status: 'todo', attempts: 1 })])
    const item = (await db.pool.query('select status, attempts, claimed_by_run from work_items where number = 7')).rows[0]
    expect(item).toEqual({ status: 'todo', attempts: 1, claimed_by_run: null })
    expect(await commitsOf([...elected, wake, api].map((fire) => fire.fireKey))).toBe(1)
  })

  it('records one by one a batch the database refuses, so only the heartbeat it refused fails', async () => {
    const slot = '2026-12-07T09:30:00.000Z'
    const fires = ['dev-1', 'dev-2', 'dev-3', 'dev-4'].map((agent) => cron(agent, slot))
    for (const fire of fires) await recordFire(db.pool, fire)
    // Text Postgres cannot hold: an error naming an agent slug that came with a NUL in it.
    const errors = [null, 'no agent "dev\u0000" in the roster of acme/app', null, null]

    const records = await Promise.allSettled(
      fires.map((fire, index) => recordQuietHeartbeat(db.pool, fire, { outcome: 'skipped', error: errors[index]!, maxAttempts: 3 })),
    )

    expect(records.map((record) => record.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled'])
    const { rows } = await db.pool.query('select agent from heartbeat_runs where fire_key = any($1) and finished_at is not null order by agent', [
      fires.map((fire) => fire.fireKey),
    ])
    expect(rows.map((row) => row.agent)).toEqual(['dev-1', 'dev-3', 'dev-4'])
  })
})
