import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPool, type Pool } from '../src/store/pool.ts'
import { getWorkItem } from '../src/store/work-items.ts'
import { sampleSum } from './helpers/prometheus-text.ts'
import { startTcpRelay, type TcpRelay } from './helpers/tcp-relay.ts'
import { deliverWebhook, openPullRequest, poll, useTestCompany, type TestCompany, openSettledIssue } from './helpers/test-company.ts'

const ADMIN_TOKEN = 'metrics-admin-token-0123456789'
const operationsDoc = fileURLToPath(new URL('../docs/operations.md', import.meta.url))

const get = (company: TestCompany, path: string, headers: Record<string, string> = {}) => fetch(`${company.gaffer!.url}${path}`, { headers })

describe('health, readiness and metrics over HTTP (admin token set)', () => {
  // Requests made as the app (`/app/…`) are refused while this is set: GitHub refusing the app's key.
  let refuseTheApp = false
  const c = useTestCompany({
    model: true,
    proxy: (request) => (refuseTheApp && request.path.startsWith('/app') ? { status: 401, body: { message: 'Bad credentials' } } : undefined),
    app: { adminToken: ADMIN_TOKEN, owners: ['maya'] },
  })
  const metrics = async () => {
    const response = await get(c, '/metrics', { authorization: `Bearer ${ADMIN_TOKEN}` })
    expect(response.status).toBe(200)
    return response.text()
  }
  const value = async (name: string, labels: Record<string, string> = {}) => sampleSum(await metrics(), name, labels)
  const repository = () => c.github.repository
  // A heartbeat claims the best ready item: items earlier tests left waiting would be chosen first.
  const leaveNoReadyWork = () => c.db.pool.query("update work_items set status = 'done' where status = 'todo'")
  const openIssue = (title: string, labels: string[]) => openSettledIssue(c, { title, labels })

  it('answers /healthz and /readyz without the token, naming each readiness check', async () => {
    const health = await get(c, '/healthz')
    const ready = await get(c, '/readyz')

    expect(health.status).toBe(200)
    expect(await health.json()).toEqual({ status: 'ok' })
    expect(ready.status).toBe(200)
    expect(await ready.json()).toEqual({
      ready: true,
      notReady: [],
      checks: { database: { ok: true }, migrations: { ok: true }, github: { ok: true } },
    })
  })

  it('refuses /metrics without the admin token or with a wrong one, and answers Prometheus text with it', async () => {
    const without = await get(c, '/metrics')
    const wrong = await get(c, '/metrics', { authorization: 'Bearer not-the-admin-token-at-all' })
    const right = await get(c, '/metrics', { authorization: `Bearer ${ADMIN_TOKEN}` })

    expect(without.status).toBe(401)
    expect(wrong.status).toBe(401)
    expect(right.status).toBe(200)
    expect(right.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
    const text = await right.text()
    expect(text).toContain('# TYPE gaffer_webhook_deliveries_total counter')
    expect(text).toContain('# TYPE gaffer_items gauge')
    expect(text).toContain('# TYPE gaffer_process_resident_memory_bytes gauge')
  })

  it("exposes exactly the metrics docs/operations.md lists, each of the type it says (besides prom-client's process and Node.js defaults)", async () => {
    const documented = [...(await readFile(operationsDoc, 'utf8')).matchAll(/^\| `(gaffer_[a-z_]+)` \| (counter|gauge) \|/gm)].map(
      (m) => `${m[1]} ${m[2]}`,
    )
    const exposed = [...(await metrics()).matchAll(/^# TYPE (gaffer_[a-z_]+) (\w+)$/gm)]
      .map((m) => `${m[1]} ${m[2]}`)
      .filter((line) => !/^gaffer_(process|nodejs)_/.test(line))

    expect(documented.length).toBeGreaterThan(10)
    expect(exposed.sort()).toEqual(documented.sort())
  })

  it('counts a real delivery as accepted and processed under its event, a forged one as rejected, and the new item in the queue depth', async () => {
    const labels = { event: 'issues' }
    const accepted = await value('gaffer_webhook_deliveries_total', { ...labels, outcome: 'accepted' })
    const processed = await value('gaffer_webhook_processing_total', { ...labels, outcome: 'processed' })
    const rejected = await value('gaffer_webhook_deliveries_total', { event: 'unverified', outcome: 'rejected' })
    const todo = await value('gaffer_items', { repository: repository(), kind: 'issue', status: 'todo' })

    await openIssue('Count this delivery', ['agent:backend-engineer'])
    const forged = await deliverWebhook(c, 'issues', JSON.stringify({ action: 'opened' }), { signature: `sha256=${'0'.repeat(64)}` })

    expect(forged.status).toBe(401)
    expect(await value('gaffer_webhook_deliveries_total', { ...labels, outcome: 'accepted' })).toBeGreaterThan(accepted)
    expect(await value('gaffer_webhook_processing_total', { ...labels, outcome: 'processed' })).toBeGreaterThan(processed)
    expect(await value('gaffer_webhook_deliveries_total', { event: 'unverified', outcome: 'rejected' })).toBe(rejected + 1)
    expect(await value('gaffer_items', { repository: repository(), kind: 'issue', status: 'todo' })).toBe(todo + 1)
  })

  it('counts a heartbeat run by agent and outcome, its claim, its model call, tokens and cost', async () => {
    await leaveNoReadyWork()
    const number = await openIssue('Do it and count it', ['agent:backend-engineer'])
    const agent = { repository: repository(), agent: 'backend-engineer' }
    const before = await metrics()
    c.model.script({ toolCalls: [{ name: 'set_status', arguments: { status: 'done' } }], usage: { prompt: 1000, completion: 500 } })

    const run = await c.gaffer!.heartbeats.runNow(repository(), 'backend-engineer')

    expect(run.outcome).toBe('worked')
    expect((await getWorkItem(c.db.pool, repository(), number))?.status).toBe('done')
    const after = await metrics()
    const delta = (name: string, labels: Record<string, string>) => sampleSum(after, name, labels) - sampleSum(before, name, labels)
    expect(delta('gaffer_heartbeat_runs_total', { ...agent, outcome: 'worked' })).toBe(1)
    expect(delta('gaffer_claims_total', agent)).toBe(1)
    expect(delta('gaffer_model_calls_total', { ...agent, model: 'gpt-4.1-mini', outcome: 'ok' })).toBe(1)
    expect(delta('gaffer_model_tokens_total', agent)).toBe(1500)
    // gpt-4.1-mini: $0.40 per 1M input tokens, $1.60 per 1M output tokens.
    expect(delta('gaffer_model_cost_usd_total', agent)).toBeCloseTo(0.0012, 10)
  })

  it("counts a block as an escalation to the owner's manager, and a new pull request's gate decision", async () => {
    await leaveNoReadyWork()
    await openIssue('Blocked on a decision', ['agent:backend-engineer'])
    const escalations = await value('gaffer_escalations_total', { repository: repository(), step: 'block', to: 'vp-engineering' })
    const gate = await value('gaffer_gate_decisions_total', { repository: repository(), conclusion: 'pending' })
    c.model.script({ toolCalls: [{ name: 'set_status', arguments: { status: 'blocked', reason: 'Which database?' } }] })

    await c.gaffer!.heartbeats.runNow(repository(), 'backend-engineer')
    await openPullRequest(c, { by: 'maya', branch: 'count-the-gate', title: 'Count the gate' })

    expect(await value('gaffer_escalations_total', { repository: repository(), step: 'block', to: 'vp-engineering' })).toBe(escalations + 1)
    await expect.poll(() => value('gaffer_gate_decisions_total', { repository: repository(), conclusion: 'pending' }), poll).toBe(gate + 1)
  })

  it('counts GitHub requests by installation and kind, and keeps the rate limit GitHub reports for each installation', async () => {
    const text = await metrics()
    const installation = String(c.github.app.installationId)

    // Everything above read, wrote labels, and commented (content): the block's comment.
    expect(sampleSum(text, 'gaffer_github_requests_total', { installation, kind: 'read' })).toBeGreaterThan(0)
    expect(sampleSum(text, 'gaffer_github_requests_total', { installation, kind: 'write' })).toBeGreaterThan(0)
    expect(sampleSum(text, 'gaffer_github_requests_total', { installation, kind: 'content' })).toBeGreaterThan(0)
    // `GET /app` at start, as the app itself.
    expect(sampleSum(text, 'gaffer_github_requests_total', { installation: 'app', kind: 'read' })).toBeGreaterThan(0)
    const remaining = sampleSum(text, 'gaffer_github_rate_limit_remaining', { installation, resource: 'core' })
    expect(remaining).toBeGreaterThan(0)
    expect(remaining).toBeLessThan(5000)
  })

  it('is not ready while GitHub refuses the app, and ready again once it accepts it', async () => {
    refuseTheApp = true
    await expect(c.gaffer!.reconcileAll()).rejects.toThrow()
    const refused = await get(c, '/readyz')
    refuseTheApp = false
    await c.gaffer!.reconcileAll()
    const accepted = await get(c, '/readyz')

    expect(refused.status).toBe(503)
    expect(await refused.json()).toMatchObject({
      ready: false,
      notReady: ['github'],
      checks: {
        github: { ok: false, reason: expect.stringMatching(/^GitHub refused the app's credentials \(401 from \/app\/installations\); check APP_ID/) },
      },
    })
    expect(accepted.status).toBe(200)
  })
})

describe('readiness while the database is away (a relay in front of Postgres, cut and restored)', () => {
  const c = useTestCompany({ app: false })
  let relay: TcpRelay
  let pool: Pool
  beforeAll(async () => {
    relay = await startTcpRelay(c.db.url)
    pool = createPool(relay.url)
    await c.startApp({ pool })
  })
  afterAll(async () => {
    await c.stopApp()
    await pool?.end()
    await relay?.close()
  })
  const readiness = async () => {
    const response = await get(c, '/readyz')
    return { status: response.status, body: (await response.json()) as { ready: boolean; notReady: string[]; checks: Record<string, unknown> } }
  }

  it('says the database and its migrations are not ready while it is unreachable, stays healthy, and is ready once it is back', async () => {
    expect((await readiness()).status).toBe(200)

    await relay.cut()
    const away = await readiness()
    const health = await get(c, '/healthz')
    await relay.restore()

    expect(away.status).toBe(503)
    expect(away.body).toEqual({
      ready: false,
      notReady: ['database', 'migrations'],
      checks: {
        database: { ok: false, reason: 'cannot reach the database (ECONNREFUSED)' },
        migrations: { ok: false, reason: 'not checked: the database does not answer' },
        github: { ok: true },
      },
    })
    expect(health.status).toBe(200)
    await expect.poll(async () => (await readiness()).status, poll).toBe(200)
  })

  it('names a shipped migration the database has not recorded', async () => {
    const { rows } = await c.db.pool.query<{ name: string; checksum: string }>(
      'delete from schema_migrations where name = (select max(name) from schema_migrations) returning name, checksum',
    )
    const missing = rows[0]!
    const behind = await readiness()
    await c.db.pool.query('insert into schema_migrations (name, checksum) values ($1, $2)', [missing.name, missing.checksum])

    expect(behind.status).toBe(503)
    expect(behind.body).toMatchObject({
      notReady: ['migrations'],
      checks: { migrations: { ok: false, reason: `1 migration(s) not applied: ${missing.name}` } },
    })
    expect((await readiness()).status).toBe(200)
  })
})
