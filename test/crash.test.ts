import { describe, expect, it } from 'vitest'
import { getWorkItem } from '../src/store/work-items.ts'
import { startUntil } from './helpers/run-process.ts'
import { labelsOnGitHub, poll, useTestCompany } from './helpers/test-company.ts'

describe('a replica killed mid-claim', () => {
  const c = useTestCompany()

  it('leaves no item stuck: once the lease is over it is back to todo with one more attempt', async () => {
    const { data: issue } = await c.maya.issues.create({ owner: c.owner, repo: c.repo, title: 'Crash me', labels: ['area:backend'] })
    await expect.poll(async () => (await getWorkItem(c.db.pool, c.github.repository, issue.number))?.status, poll).toBe('todo')
    await c.gaffer!.deliveries.idle()
    await c.stopApp()

    const replica = await startUntil(
      process.execPath,
      ['test/fixtures/claim-and-hang.ts', c.db.url, c.github.repository, 'backend-engineer', '1500'],
      process.env,
      'claimed',
      20_000,
    )
    const runId = Number(/claimed by run (\d+)/.exec(replica.stdout())![1])
    // The claim's winner moves the labels on GitHub; the replica got that far, then died.
    await c.maya.issues.setLabels({
      owner: c.owner,
      repo: c.repo,
      issue_number: issue.number,
      labels: ['agent:backend-engineer', 'area:backend', 'status:in-progress'],
    })
    replica.child.kill('SIGKILL')
    await replica.exited
    expect(await getWorkItem(c.db.pool, c.github.repository, issue.number)).toMatchObject({ status: 'in-progress', claimed_by_run: runId })
    await new Promise((resolve) => setTimeout(resolve, 1600))

    await c.startApp({ settings: { leaseMs: 1500 } })

    expect(await getWorkItem(c.db.pool, c.github.repository, issue.number)).toMatchObject({
      status: 'todo',
      attempts: 1,
      claimed_by_run: null,
      lease_expires_at: null,
    })
    expect(await labelsOnGitHub(c, issue.number)).toEqual(['agent:backend-engineer', 'area:backend', 'status:todo'])
    // The dead replica's run gets an outcome, and its agent is free to work again.
    const run = (await c.db.pool.query('select outcome, error, finished_at from heartbeat_runs where id = $1', [runId])).rows[0]
    expect(run).toMatchObject({ outcome: 'failed', error: 'the replica running it stopped before the run finished (a crash or a kill)' })
    expect(run.finished_at).not.toBeNull()
    // And so does the run of the item it was working.
    const itemRun = (await c.db.pool.query('select number, outcome, error, finished_at from item_runs where run_id = $1', [runId])).rows
    expect(itemRun).toEqual([
      {
        number: issue.number,
        outcome: 'failed',
        error: 'the replica working it stopped before the work finished (a crash or a kill)',
        finished_at: expect.any(Date),
      },
    ])
    expect((await c.gaffer!.heartbeats.runNow(c.github.repository, 'backend-engineer')).outcome).not.toBe('skipped')
  })

  it('a graceful stop tells running work to stop and hands its claim back without counting an attempt', async () => {
    await c.stopApp()
    const started: number[] = []
    await c.startApp({
      settings: { stopGraceMs: 200 },
      work: async ({ item, signal }) => {
        started.push(item.get().number)
        await new Promise((resolve) => signal.addEventListener('abort', resolve))
        return { tokens: 0, costUsd: 0 }
      },
    })
    const { data: issue } = await c.maya.issues.create({ owner: c.owner, repo: c.repo, title: 'Stop me', labels: ['agent:docs-writer'] })
    await expect.poll(async () => (await getWorkItem(c.db.pool, c.github.repository, issue.number))?.status, poll).toBe('todo')
    void c.gaffer!.heartbeats.runNow(c.github.repository, 'docs-writer')
    await expect.poll(() => started, poll).toEqual([issue.number])

    await c.stopApp()

    expect(await getWorkItem(c.db.pool, c.github.repository, issue.number)).toMatchObject({ status: 'todo', attempts: 0, claimed_by_run: null })
    expect(await labelsOnGitHub(c, issue.number)).toEqual(['agent:docs-writer', 'status:todo'])
    await c.startApp()
  })
})
