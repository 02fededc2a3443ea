import { describe, expect, it } from 'vitest'
import { postgresRunCoordinator } from '../src/heartbeat/run-coordinator.ts'
import { getWorkItem } from '../src/store/work-items.ts'
import { labelsOnGitHub, openSettledIssue, useTestCompany } from './helpers/test-company.ts'

describe("one cron tick's heartbeats", () => {
  const c = useTestCompany()

  it('records every quiet heartbeat of the tick with its outcome, and releases an expired lease once, on GitHub too', async () => {
    const repository = c.github.repository
    const number = await openSettledIssue(c, { title: 'Left behind by a crash', labels: ['agent:frontend-engineer'] })
    await c.db.pool.query(
      `update work_items set status = 'in-progress', claimed_by_run = 999999, lease_expires_at = now() - interval '1 second'
       where repository = $1 and number = $2`,
      [repository, number],
    )
    await c.db.pool.query(
      "update agents set paused = true, paused_reason = 'paused by a maintainer' where repository = $1 and slug = 'docs-writer'",
      [repository],
    )
    // Every agent but the owner of the released item, whose heartbeat would then claim it.
    const agents = ['ceo', 'vp-engineering', 'vp-product', 'backend-engineer', 'reviewer', 'docs-writer']
    const slot = '2026-12-07T15:00:00.000Z'

    // The statements the replica sends, seen on their way (the replica uses this pool).
    const sent: string[] = []
    const pool = c.db.pool
    const query = pool.query.bind(pool) as (...args: unknown[]) => unknown
    pool.query = ((...args: unknown[]) => {
      const statement = args[0] as string | { text: string }
      sent.push(typeof statement === 'string' ? statement : statement.text)
      return query(...args)
    }) as typeof pool.query
    // What node-cron does for each task at the tick, all at once: ask the run coordinator, then run the fire.
    const results = await Promise.all(
      agents.map(async (agent) => {
        const fireKey = `${repository}/${agent}:${slot}`
        if (!(await postgresRunCoordinator(pool, { repository, agent }).shouldRun(fireKey, 30_000))) return undefined
        return c.gaffer!.heartbeats.run({ repository, agent, fireKey, trigger: 'cron' })
      }),
    ).finally(() => delete (pool as { query?: unknown }).query)

    expect(results.map((result) => [result?.outcome, result?.error])).toEqual([
      ['idle', undefined],
      ['idle', undefined],
      ['idle', undefined],
      ['idle', undefined],
      ['idle', undefined],
      ['skipped', 'paused'],
    ])
    const { rows } = await c.db.pool.query(
      'select agent, trigger, outcome, error, finished_at is not null as finished from heartbeat_runs where fire_key like $1 order by agent',
      [`%:${slot}`],
    )
    expect(rows).toEqual(
      [...agents].sort().map((agent) => ({
        agent,
        trigger: 'cron',
        outcome: agent === 'docs-writer' ? 'skipped' : 'idle',
        error: agent === 'docs-writer' ? 'paused' : null,
        finished: true,
      })),
    )
    // The six fires asked at the same moment are elected in one statement.
    expect(sent.filter((text) => /insert into heartbeat_runs \(repository, agent, fire_key, trigger\)/.test(text))).toHaveLength(1)
    expect(await getWorkItem(c.db.pool, repository, number)).toMatchObject({ status: 'todo', attempts: 1, claimed_by_run: null })
    expect(await labelsOnGitHub(c, number)).toContain('status:todo')
  })
})
