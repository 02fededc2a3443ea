import { describe, expect, it } from 'vitest'
import type { WorkHook } from '../src/heartbeat/heartbeat.ts'
import { defaultQuotaSettings, githubWriteSpend } from '../src/quota/quota-settings.ts'
import { listItemRuns } from '../src/store/item-runs.ts'
import { listQuotaBuckets } from '../src/store/quota-buckets.ts'
import { getWorkItem } from '../src/store/work-items.ts'
import { labelsOnGitHub, openSettledIssue, poll, useTestCompany } from './helpers/test-company.ts'

const AGENT = 'docs-writer'

describe('better work first: claims waiting for quota are given back for a p0 (SPEC §17)', () => {
  const started: number[] = []
  const commented: number[] = []
  // Each item's work posts one comment (content-creating) and submits the item for review.
  const work: WorkHook = async ({ item, octokit, setStatus }) => {
    const { repository, number } = item.get()
    const [owner, repo] = repository.split('/') as [string, string]
    started.push(number)
    await octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', { owner, repo, issue_number: number, body: 'Done.' })
    commented.push(number)
    await setStatus('submit_for_review')
    return { tokens: 0, costUsd: 0 }
  }
  // One content-creating request a minute, and waiting asks that look again every 200 ms.
  const quota = { ...defaultQuotaSettings, github: { ...defaultQuotaSettings.github, contentPerMinute: 1 }, pollMs: 200 }
  const c = useTestCompany({ app: { work, settings: { quota } } })

  const minute = () => githubWriteSpend(quota, String(c.github.app.installationId), true).find((spec) => spec.key.endsWith(':content/min'))!.key
  const waitingForContent = async () => (await listQuotaBuckets(c.db.pool)).find((bucket) => bucket.key === minute())?.waiting ?? 0
  /** The minute passes: what was spent in it leaves the window, and the best-ranked waiter gets the next comment. */
  const minutePasses = () => c.db.pool.query('delete from quota_spends where bucket = $1', [minute()])
  const item = (number: number) => getWorkItem(c.db.pool, c.github.repository, number)
  const statusOf = async (number: number) => (await item(number))?.status

  it('gives back a p3 waiting for a drained content bucket, claims the p0 into its slot, and works the p3 later, once', async () => {
    const first = await openSettledIssue(c, { title: 'Tidy the glossary', labels: [`agent:${AGENT}`, 'priority:p3'] })
    const second = await openSettledIssue(c, { title: 'Reword the FAQ', labels: [`agent:${AGENT}`, 'priority:p3'] })
    // The content bucket is drained: both p3 items' comments wait for the next minute.
    await c.gaffer!.quota.ask({ specs: githubWriteSpend(quota, String(c.github.app.installationId), true), priority: { lane: 'urgent' } })
    const running = c.gaffer!.heartbeats.runNow(c.github.repository, AGENT)
    await expect.poll(waitingForContent, poll).toBe(2)

    const opened = await c.maya.issues.create({
      owner: c.owner,
      repo: c.repo,
      title: 'The install guide is wrong',
      labels: [`agent:${AGENT}`, 'priority:p0'],
    })
    const urgent = opened.data.number

    // The p0 is claimed while the p3 items still wait, into the slot the later p3 gave back.
    await expect.poll(() => statusOf(urgent), poll).toBe('in-progress')
    await expect.poll(() => statusOf(second), poll).toBe('todo')
    expect(await item(second)).toMatchObject({ attempts: 0, claimed_by_run: null })
    expect(await statusOf(first)).toBe('in-progress')
    // The p0's comment waits beside the p3's; when the minute passes it goes first.
    await expect.poll(waitingForContent, poll).toBe(2)
    await minutePasses()
    await expect.poll(() => statusOf(urgent), poll).toBe('review')
    expect(commented).toEqual([urgent])
    expect(await statusOf(first)).toBe('in-progress')
    await minutePasses()
    const result = await running

    expect(result).toMatchObject({ outcome: 'worked', items: 2, backlog: true })
    expect(commented).toEqual([urgent, first])
    const runs = await listItemRuns(c.db.pool, result.runId!)
    expect(runs.map((run) => [run.number, run.outcome, run.error])).toEqual([
      [first, 'worked', null],
      [second, 'handed-back', null],
      [urgent, 'worked', null],
    ])
    expect(await labelsOnGitHub(c, second)).toContain('status:todo')

    // The given-back p3 is worked by the next heartbeat, its attempts untouched.
    const again = c.gaffer!.heartbeats.runNow(c.github.repository, AGENT)
    await expect.poll(waitingForContent, poll).toBe(1)
    await minutePasses()
    expect(await again).toMatchObject({ outcome: 'worked', items: 1 })
    expect(await item(second)).toMatchObject({ status: 'review', attempts: 0 })
    expect(commented).toEqual([urgent, first, second])
    // Its first run stopped before it wrote anything: started twice, commented once.
    expect(started.filter((number) => number === second)).toHaveLength(2)
    for (const number of [first, second, urgent]) {
      const { data: comments } = await c.maya.issues.listComments({ owner: c.owner, repo: c.repo, issue_number: number })
      expect(comments.filter((comment) => comment.body === 'Done.')).toHaveLength(1)
    }
  })
})
