import { afterAll, describe, expect, it } from 'vitest'
import type { WorkHook } from '../src/heartbeat/heartbeat.ts'
import { getWorkItem } from '../src/store/work-items.ts'
import { runToEnd } from './helpers/run-process.ts'
import { poll, useSecondReplica, useTestCompany } from './helpers/test-company.ts'

const ADMIN_TOKEN = 'replica-admin-token-0123456789'

describe('two replicas on one database', () => {
  let release!: () => void
  const started: Array<{ replica: string; item: number }> = []
  const slowWork =
    (replica: string): WorkHook =>
    async ({ item, setStatus }) => {
      started.push({ replica, item: item.get().number })
      await new Promise<void>((resolve) => (release = resolve))
      await setStatus('submit_for_review')
      return { tokens: 0, costUsd: 0 }
    }

  const c = useTestCompany({ app: { adminToken: ADMIN_TOKEN, work: slowWork('a'), settings: { wakes: true, wakeDebounceMs: 100 } } })
  const other = useSecondReplica(c, { adminToken: ADMIN_TOKEN, settings: { schedule: false, wakes: true, wakeDebounceMs: 100 }, work: slowWork('b') })
  // Registered last, so it runs first: the held work lets go before the replicas stop.
  afterAll(() => release?.())

  const runs = async (agent: string) =>
    (await c.db.pool.query('select trigger, outcome, error from heartbeat_runs where agent = $1 order by id', [agent])).rows

  it('wakes the assigned agent once, on the replica that received the webhook, without waiting for cron', async () => {
    const { data: issue } = await c.maya.issues.create({ owner: c.owner, repo: c.repo, title: 'Wake me', labels: ['area:backend'] })

    await expect.poll(() => started, poll).toEqual([{ replica: 'a', item: issue.number }])
    release()
    await expect.poll(async () => (await getWorkItem(c.db.pool, c.github.repository, issue.number))?.status, poll).toBe('review')
    await expect.poll(async () => (await runs('backend-engineer')).map((run) => run.outcome), poll).toEqual(['worked'])
    expect(await runs('backend-engineer')).toEqual([{ trigger: 'wake', outcome: 'worked', error: null }])
  })

  it('runs one heartbeat of an agent at a time across replicas; the other is skipped', async () => {
    started.length = 0
    const { data: issue } = await c.maya.issues.create({ owner: c.owner, repo: c.repo, title: 'Contended', labels: ['agent:docs-writer'] })
    await expect.poll(() => started.length, poll).toBe(1)

    const response = await fetch(`${other.gaffer.url}/gaffer/api/agents/docs-writer/wake`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    })

    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ outcome: 'skipped', error: 'another heartbeat of this agent is running' })
    release()
    await expect.poll(async () => (await getWorkItem(c.db.pool, c.github.repository, issue.number))?.status, poll).toBe('review')
    expect(started).toEqual([{ replica: 'a', item: issue.number }])
  })

  it('wakes an agent from the API and from `gaffer wake`, and says what was wrong otherwise', async () => {
    const api = (path: string, token = ADMIN_TOKEN) =>
      fetch(`${other.gaffer.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })

    expect(await (await api('/gaffer/api/agents/reviewer/wake')).json()).toMatchObject({ outcome: 'idle', items: 0 })
    expect((await api('/gaffer/api/agents/nobody/wake')).status).toBe(404)
    expect((await api('/gaffer/api/agents/reviewer/wake', 'wrong-token')).status).toBe(401)

    const cli = await runToEnd(process.execPath, ['src/cli/gaffer.ts', 'wake', 'reviewer', '--url', other.gaffer.url], {
      ...process.env,
      GAFFER_ADMIN_TOKEN: ADMIN_TOKEN,
    })
    expect(cli.code).toBe(0)
    expect(cli.stdout).toMatch(/reviewer: idle/)
    const bad = await runToEnd(process.execPath, ['src/cli/gaffer.ts', 'wake', 'nobody', '--url', other.gaffer.url], {
      ...process.env,
      GAFFER_ADMIN_TOKEN: ADMIN_TOKEN,
    })
    expect(bad.code).toBe(1)
    expect(bad.stderr).toContain('no agent "nobody"')
  })
})
