import { describe, expect, it } from 'vitest'
import type { WorkHook } from '../src/heartbeat/heartbeat.ts'
import { getWorkItem } from '../src/store/work-items.ts'
import { WEBHOOK_PATH } from '../src/web/http-server.ts'
import { sampleSum } from './helpers/prometheus-text.ts'
import { poll, useSecondReplica, useTestCompany } from './helpers/test-company.ts'

const ADMIN_TOKEN = 'worker-admin-token-0123456789'

describe('a web process and a worker process on one database (GAFFER_PROCESS)', () => {
  const worked: Array<{ process: string; item: number }> = []
  const work =
    (process: string): WorkHook =>
    async ({ item, setStatus }) => {
      worked.push({ process, item: item.get().number })
      await setStatus('submit_for_review')
      return { tokens: 0, costUsd: 0 }
    }

  // The company's replica takes the webhooks; it must never work an item itself.
  const c = useTestCompany({
    app: { processRole: 'web', adminToken: ADMIN_TOKEN, work: work('web'), settings: { schedule: true, wakes: true, wakeDebounceMs: 100 } },
  })
  const worker = useSecondReplica(c, {
    adminToken: ADMIN_TOKEN,
    processRole: 'worker',
    settings: { schedule: false, wakes: true, wakeDebounceMs: 100, wakePollMs: 100 },
    work: work('worker'),
  })

  const item = (number: number) => getWorkItem(c.db.pool, c.github.repository, number)

  it('a webhook received by the web process wakes the agent on the worker, which does the work', async () => {
    const { data: issue } = await c.maya.issues.create({ owner: c.owner, repo: c.repo, title: 'Wake a worker', labels: ['agent:backend-engineer'] })

    await expect.poll(async () => (await item(issue.number))?.status, poll).toBe('review')
    expect(worked).toEqual([{ process: 'worker', item: issue.number }])
    expect((await c.db.pool.query('select count(*)::int as n from wake_requests')).rows[0].n).toBe(0)
  })

  it('the worker serves only /healthz, /readyz and /metrics, and its metrics count the runs it made, the web process none', async () => {
    const auth = { authorization: `Bearer ${ADMIN_TOKEN}` }
    const runs = async (url: string) =>
      sampleSum(await (await fetch(`${url}/metrics`, { headers: auth })).text(), 'gaffer_heartbeat_runs_total', { agent: 'backend-engineer' })

    expect((await fetch(`${worker.gaffer.url}/healthz`)).status).toBe(200)
    expect((await fetch(`${worker.gaffer.url}/readyz`)).status).toBe(200)
    expect((await fetch(`${worker.gaffer.url}${WEBHOOK_PATH}`, { method: 'POST' })).status).toBe(404)
    expect((await fetch(`${worker.gaffer.url}/gaffer/api/state`, { headers: auth })).status).toBe(404)
    // The run of the test above finishes just after the item reaches review.
    await expect.poll(() => runs(worker.gaffer.url), poll).toBeGreaterThan(0)
    expect(await runs(c.gaffer!.url)).toBe(0)
  })

  it("the web process's admin wake is queued for a worker, which runs it, and the web process registers no cron heartbeats", async () => {
    // The worker may take a request within its poll interval of the insert, too soon to read the
    // table: a trigger keeps a copy of every request the web process queues.
    await c.db.pool.query(`create table wake_requests_seen (agent text not null);
      create function wake_requests_seen() returns trigger language plpgsql as
        $$ begin insert into wake_requests_seen (agent) values (new.agent); return new; end $$;
      create trigger wake_requests_seen after insert on wake_requests for each row execute function wake_requests_seen();`)
    const wakeRuns = async () =>
      (await c.db.pool.query("select count(*)::int as n from heartbeat_runs where agent = 'frontend-engineer' and trigger = 'wake'")).rows[0].n
    // No item in this file is the frontend engineer's, so only the admin wake can start a heartbeat of it.
    expect(await wakeRuns()).toBe(0)

    const response = await fetch(`${c.gaffer!.url}/gaffer/api/agents/frontend-engineer/wake`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    })

    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ outcome: 'queued for a worker' })
    expect((await c.db.pool.query('select agent from wake_requests_seen')).rows).toEqual([{ agent: 'frontend-engineer' }])
    await expect.poll(wakeRuns, poll).toBe(1)
    expect((await c.db.pool.query("select count(*)::int as n from wake_requests where agent = 'frontend-engineer'")).rows[0].n).toBe(0)
    expect(c.gaffer!.scheduledTasks()).toEqual([])
  })
})
