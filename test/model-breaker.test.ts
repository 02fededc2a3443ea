import { AuthenticationError, NotFoundError } from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createModelBreaker } from '../src/llm/model-breaker.ts'
import { changeModelBreaker } from '../src/store/model-breaker.ts'
import { migrate } from '../src/store/migrate.ts'
import { createLogger } from '../src/log.ts'
import { freePort } from '../src/net/free-port.ts'
import { getWorkItem } from '../src/store/work-items.ts'
import type { readState } from '../src/web/read-state.ts'
import { createTestDatabase, type TestDatabase } from './helpers/database.ts'
import { startScriptedModel } from './helpers/scripted-model.ts'
import { labelsOnGitHub, poll, useTestCompany, settleWebhooks } from './helpers/test-company.ts'

type State = Awaited<ReturnType<typeof readState>>

describe('the global model breaker, with a model server that refuses connections and then comes back', () => {
  let port: number
  let model: Awaited<ReturnType<typeof startScriptedModel>> | undefined
  // The clock the app reads: the test moves it past the probe interval instead of waiting a minute.
  let offsetMs = 0
  const logs: Array<{ msg: string; level: number }> = []
  const logged = (start: string) => logs.filter((line) => line.msg.startsWith(start))

  afterAll(async () => {
    await model?.close()
  })
  const c = useTestCompany({
    app: async () => {
      // Nothing listens on this port yet: every call is refused, as from a model server that is down.
      port = await freePort()
      return {
        model: { apiKey: 'k', baseUrl: `http://127.0.0.1:${port}/v1`, defaultModel: 'gpt-4.1-mini', maxRetries: 0 },
        now: () => new Date(Date.now() + offsetMs),
        settings: { modelBreaker: { threshold: 3, probeIntervalMs: 60_000 } },
        log: createLogger('info', { write: (line: string) => void logs.push(JSON.parse(line) as { msg: string; level: number }) }),
      }
    },
  })

  const repository = () => c.github.repository
  const run = () => c.gaffer!.heartbeats.runNow(repository(), 'backend-engineer')
  const state = async () => (await (await fetch(`${c.gaffer!.url}/gaffer/api/state`)).json()) as State

  it('trips once after three refused calls, fails those runs with the error and burns no attempt', async () => {
    const number = (await c.maya.issues.create({ owner: c.owner, repo: c.repo, title: 'Needs a model', labels: ['agent:backend-engineer'] })).data
      .number
    await expect.poll(async () => (await getWorkItem(c.db.pool, repository(), number))?.status, poll).toBe('todo')
    await settleWebhooks(c)

    for (let call = 1; call <= 3; call += 1) {
      const result = await run()
      expect(result).toMatchObject({ outcome: 'failed', items: 1 })
      expect(result.error).toBe('the model call failed: Connection error. (ECONNREFUSED)')
      // Handed back, not returned: a model outage is not the item's fault.
      expect(await getWorkItem(c.db.pool, repository(), number)).toMatchObject({
        status: 'todo',
        attempts: 0,
        failure_count: 0,
        claimed_by_run: null,
      })
    }

    expect(logged('model breaker tripped')).toHaveLength(1)
    const { modelBreaker, runs } = await state()
    expect(modelBreaker).toMatchObject({ state: 'open', lastError: 'Connection error. (ECONNREFUSED)' })
    expect(Date.parse(String(modelBreaker.nextProbeAt)) - Date.parse(String(modelBreaker.since))).toBe(60_000)
    expect(runs.slice(0, 3).map((r) => [r.outcome, r.error])).toEqual(
      Array(3).fill(['failed', 'the model call failed: Connection error. (ECONNREFUSED)']),
    )
    expect(await labelsOnGitHub(c, number)).toEqual(['agent:backend-engineer', 'status:todo'])
  })

  it('while open, heartbeats claim nothing and say why in one sentence', async () => {
    const result = await run()

    expect(result).toMatchObject({ outcome: 'skipped', items: 0 })
    expect(result.error).toMatch(/^model work is paused: the model server fails for everyone \(Connection error\. \(ECONNREFUSED\)\) since /)
    const { rows } = await c.db.pool.query(
      "select status, attempts, claimed_by_run from work_items where repository = $1 and owner_agent = 'backend-engineer'",
      [repository()],
    )
    expect(rows).toEqual([{ status: 'todo', attempts: 0, claimed_by_run: null }])
    expect(logged('model breaker tripped')).toHaveLength(1)
  })

  it('probes once a minute, and the first probe that gets an answer closes it', async () => {
    model = await startScriptedModel({ port })
    // Not due yet: no call at all.
    expect(await c.gaffer!.modelBreaker!.probe()).toMatchObject({ state: 'open' })
    expect(model.requests).toHaveLength(0)

    offsetMs = 61_000
    expect(await c.gaffer!.modelBreaker!.probe()).toMatchObject({ state: 'closed', consecutiveFailures: 0 })

    expect(model.requests).toHaveLength(1)
    expect(logged('model breaker reset')).toHaveLength(1)
    expect((await state()).modelBreaker).toMatchObject({ state: 'closed' })
    model.script({ toolCalls: [{ name: 'set_status', arguments: { status: 'done' } }] })
    expect(await run()).toMatchObject({ outcome: 'worked', items: 1 })
  })
})

describe('a probe the server refuses', () => {
  let db: TestDatabase
  beforeAll(async () => {
    db = await createTestDatabase()
    await migrate(db.pool)
  })
  afterAll(async () => {
    await db.drop()
  })

  it.each([
    ['a 404 for a model the server does not serve', new NotFoundError(404, { message: 'no such model' }, undefined, new Headers())],
    ['a 401 for a bad key', new AuthenticationError(401, { message: 'bad key' }, undefined, new Headers())],
  ])('closes the breaker on %s: the server answers again', async (_, refusal) => {
    const now = new Date('2026-11-25T10:00:00Z')
    await changeModelBreaker(db.pool, () => ({
      next: { state: 'open', consecutiveFailures: 3, since: now, lastError: 'Connection error.', nextProbeAt: now },
    }))
    const lines: Array<{ msg: string; answer?: string }> = []
    const breaker = createModelBreaker({
      pool: db.pool,
      log: createLogger('info', { write: (line: string) => void lines.push(JSON.parse(line) as { msg: string }) }),
      now: () => now,
      settings: { threshold: 3, probeIntervalMs: 60_000 },
      model: { complete: () => Promise.reject(refusal) },
      probeModel: 'not-served',
    })

    expect(await breaker.probe()).toMatchObject({ state: 'closed', consecutiveFailures: 0 })
    expect(lines.find((line) => line.msg.startsWith('model probe was refused'))?.answer).toBe(`${refusal.message} (HTTP ${refusal.status})`)
  })
})
