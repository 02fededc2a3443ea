import { describe, expect, it } from 'vitest'
import { loadConfig } from '../src/config/env.ts'
import { optionsFromConfig } from '../src/gaffer-options.ts'
import type { WorkHook } from '../src/heartbeat/heartbeat.ts'
import { defaultQuotaSettings, githubPrimaryBucket, githubWriteSpend } from '../src/quota/quota-settings.ts'
import { listQuotaBuckets, observeReportedQuota } from '../src/store/quota-buckets.ts'
import { getWorkItem } from '../src/store/work-items.ts'
import type { InterceptAnswer, ProxiedRequest } from './helpers/github-proxy.ts'
import { poll, settleWebhooks, useSecondReplica, useTestCompany } from './helpers/test-company.ts'

const LEASE_MS = 900
const SPACING_MS = 250

describe('GitHub quota in a running replica (SPEC §17)', () => {
  /** While set, comment writes are refused as GitHub refuses them past a secondary limit. */
  let refuseCommentsUntil = 0
  const refuse = (request: ProxiedRequest): InterceptAnswer | undefined => {
    if (!(request.method === 'POST' && /\/issues\/\d+\/comments$/.test(request.path) && Date.now() < refuseCommentsUntil)) return undefined
    return {
      status: 429,
      headers: { 'retry-after': '1' },
      body: { message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.' },
    }
  }
  const worked: number[] = []
  const work: WorkHook = async ({ item, setStatus }) => {
    worked.push(item.get().number)
    await setStatus('submit_for_review')
    return { tokens: 0, costUsd: 0 }
  }
  const c = useTestCompany({
    proxy: refuse,
    model: true,
    app: {
      work,
      settings: {
        leaseMs: LEASE_MS,
        writeSpacingMs: SPACING_MS,
        quota: { ...defaultQuotaSettings, model: { requestsPerMinute: 100, tokensPerMinute: 10_000, concurrent: 8 } },
      },
    },
  })
  const other = useSecondReplica(c, { settings: { schedule: false, wakes: false } })
  const installation = () => String(c.github.app.installationId)
  const bucket = async (key: string) => (await listQuotaBuckets(c.db.pool)).find((row) => row.key === key)

  it('gives every installation its own throttle lanes, spaced as configured', async () => {
    const { data: issue } = await c.maya.issues.create({ owner: c.owner, repo: c.repo, title: 'Route me', labels: ['area:backend'] })
    await expect.poll(async () => (await getWorkItem(c.db.pool, c.github.repository, issue.number))?.owner_agent, poll).toBe('backend-engineer')

    // The routing label was written by the webhook's client, which Probot gives no throttle id.
    await expect.poll(() => c.gaffer!.writeLanes.write.keys(), poll).toEqual([installation()])
    // Bottleneck keeps a group's options where its typings do not say.
    const optionsOf = (group: object) => (group as { limiterOptions: object }).limiterOptions
    expect(optionsOf(c.gaffer!.writeLanes.write)).toMatchObject({ minTime: SPACING_MS })
    expect(optionsOf(c.gaffer!.writeLanes.notifications)).toMatchObject({ minTime: 3 * SPACING_MS })
  })

  it('reads the write spacing and the limits from the environment, and says what is wrong with a bad value', () => {
    const config = loadConfig({
      GAFFER_GITHUB_WRITE_SPACING_MS: '250',
      GAFFER_GITHUB_CONTENT_PER_HOUR: '300',
      GAFFER_MODEL_REQUESTS_PER_MINUTE: '60',
    })
    const { settings } = optionsFromConfig(config)

    expect(settings).toMatchObject({
      writeSpacingMs: 250,
      quota: { enabled: true, github: { contentPerMinute: 80, contentPerHour: 300 }, model: { requestsPerMinute: 60, tokensPerMinute: undefined } },
    })
    expect(optionsFromConfig(loadConfig({})).settings?.writeSpacingMs).toBe(1_000)
    expect(() => loadConfig({ GAFFER_GITHUB_WRITE_SPACING_MS: 'fast' })).toThrow(
      /GAFFER_GITHUB_WRITE_SPACING_MS.*e\.g\. GAFFER_GITHUB_WRITE_SPACING_MS=1000/,
    )
    expect(() => loadConfig({ GAFFER_MODEL_TOKENS_PER_MINUTE: '0' })).toThrow(/GAFFER_MODEL_TOKENS_PER_MINUTE/)
  })

  it('pauses the installation for every replica on a 429 with retry-after, and sends the refused write again after it', async () => {
    const { data: issue } = await c.maya.issues.create({ owner: c.owner, repo: c.repo, title: 'Comment here' })
    refuseCommentsUntil = Date.now() + 800
    const octokit = await c.gaffer!.probot.auth(c.github.app.installationId)
    const comments = () =>
      c.proxy.requests.filter((request) => request.method === 'POST' && request.path.endsWith(`/issues/${issue.number}/comments`))

    const posting = octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', {
      owner: c.owner,
      repo: c.repo,
      issue_number: issue.number,
      body: 'after the pause',
    })
    const primary = githubPrimaryBucket(other.gaffer.quota.settings, installation()).key
    await expect.poll(async () => (await bucket(primary))?.paused_until ?? null, poll).not.toBeNull()

    // The other replica's writes wait too, though it never saw the 429.
    const write = githubWriteSpend(other.gaffer.quota.settings, installation(), false)
    await expect(other.gaffer.quota.ask({ specs: write, priority: { lane: 'urgent' }, signal: AbortSignal.timeout(200) })).rejects.toThrow(
      /timeout|aborted/i,
    )
    expect((await bucket(primary))?.pause_reason).toMatch(/^GitHub answered 429: You have exceeded a secondary rate limit/)
    expect((await posting).status).toBe(201)
    expect(comments()).toHaveLength(2)
  })

  it('shows what is left of each bucket and the work waiting in the state API and /metrics', async () => {
    const primary = githubPrimaryBucket(c.gaffer!.quota.settings, installation()).key

    const state = (await (await fetch(`${c.gaffer!.url}/gaffer/api/state`)).json()) as {
      quota: { waiting: number; buckets: Array<Record<string, unknown>> }
    }
    const metrics = await (await fetch(`${c.gaffer!.url}/metrics`)).text()

    expect(state.quota.waiting).toBe(0)
    expect(state.quota.buckets).toContainEqual(
      expect.objectContaining({ bucket: primary, capacity: 5_000, remaining: expect.any(Number), waiting: 0 }),
    )
    expect(metrics).toMatch(new RegExp(`^gaffer_quota_remaining\\{bucket="${primary}"\\} \\d+`, 'm'))
    expect(metrics).toMatch(/^gaffer_quota_waiting\{lane="urgent"\} 0$/m)
    expect(metrics).toMatch(new RegExp(`^gaffer_github_rate_limited_total\\{installation="${installation()}"\\} 1$`, 'm'))
  })

  it("asks the model's shared buckets before a call, charges the tokens it spent and gives its concurrent place back", async () => {
    c.model.script({ content: 'fine', usage: { prompt: 300, completion: 45 } })

    await c.gaffer!.modelBreaker!.client.complete({
      model: 'gpt-4.1-mini',
      messages: [{ role: 'user', content: 'How are you?' }],
      tools: [],
      signal: AbortSignal.timeout(10_000),
    })

    const buckets = Object.fromEntries((await listQuotaBuckets(c.db.pool)).filter((b) => b.key.startsWith('model:')).map((b) => [b.key, b]))
    expect(buckets['model:gpt-4.1-mini:requests/min']).toMatchObject({ capacity: 100, remaining: 99, spent: 1 })
    expect(buckets['model:gpt-4.1-mini:concurrent']).toMatchObject({ capacity: 8, remaining: 8, spent: 1 })
    const tokens = buckets['model:gpt-4.1-mini:tokens/min']!
    // The call held its estimate while it ran; afterwards the bucket counts what the server reported.
    expect(tokens).toMatchObject({ capacity: 10_000, remaining: 10_000 - 345 })
  })

  it('keeps the lease of an item whose claim waits for quota longer than the lease', async () => {
    const { data: issue } = await c.maya.issues.create({ owner: c.owner, repo: c.repo, title: 'Wait for quota', labels: ['agent:docs-writer'] })
    await expect.poll(async () => (await getWorkItem(c.db.pool, c.github.repository, issue.number))?.status, poll).toBe('todo')
    await settleWebhooks(c)
    await settleWebhooks(c)
    // GitHub reports the installation's hour spent: writes wait for the reset, reads (free here) go on.
    const primary = githubPrimaryBucket(c.gaffer!.quota.settings, installation())
    await observeReportedQuota(c.db.pool, primary.key, {
      limit: 5_000,
      remaining: 0,
      resetAt: new Date(Date.now() + 4 * LEASE_MS),
      windowMs: primary.windowMs,
    })

    const running = c.gaffer!.heartbeats.runNow(c.github.repository, 'docs-writer')
    await expect.poll(async () => (await getWorkItem(c.db.pool, c.github.repository, issue.number))?.status, poll).toBe('in-progress')
    await new Promise((resolve) => setTimeout(resolve, 2 * LEASE_MS))
    const waiting = await c.db.pool.query<{ held: boolean }>(
      'select lease_expires_at > now() as held from work_items where repository = $1 and number = $2',
      [c.github.repository, issue.number],
    )

    expect(waiting.rows[0]?.held).toBe(true)
    expect(await running).toMatchObject({ outcome: 'worked', items: 1 })
    expect(worked).toEqual([issue.number])
    expect(await getWorkItem(c.db.pool, c.github.repository, issue.number)).toMatchObject({ status: 'review' })
  })
})
