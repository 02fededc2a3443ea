import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { ProbotOctokit } from 'probot'
import { startGaffer, type Gaffer } from '../src/gaffer.ts'
import type { WorkHook } from '../src/heartbeat/heartbeat.ts'
import { createLogger } from '../src/log.ts'
import { defaultQuotaSettings } from '../src/quota/quota-settings.ts'
import { shippedAgentsDir } from '../src/roster/load-roster.ts'
import { createPool } from '../src/store/pool.ts'
import { startRateLimitedGitHub, type PlatformLimits } from './rate-limited-github.ts'
import { startBenchGitHub } from './replica.ts'
import type { Row } from './stats.ts'

const AGENTS = ['backend-engineer', 'frontend-engineer', 'docs-writer']
const MAX_CONCURRENT = 3
const REAL_HOUR_MS = 3_600_000

export type QuotaRunOptions = { arbitration: boolean; items: number; lateP0: number; hourMs: number; scale: number }

export type QuotaRun = {
  arbitration: boolean
  items: number
  /** Items done within the first hour of the proxy's clock, and in all. */
  doneInHour: number
  done: number
  seconds: number
  /** Items whose work failed at least once, and items not done at the end. */
  failedRuns: number
  lost: number
  requestsPerItem: number
  contentPerItem: number
  /** Items per hour GitHub's limits allow at the measured mix, in real (unscaled) limits. */
  ceilingPerHour: number
  achievedPerHour: number
  p0LatencyMs: number[]
  /** For each late p0, the comments of p1–p3 items GitHub received between its opening and its own comment: waiting behind them. */
  lowerBeforeP0: number[]
  refusedPrimary: number
  refusedSecondary: number
  notModified: number
}

/**
 * The rate-limited run of SPEC §17: the emulated GitHub behind a proxy that enforces the
 * platform's limits in a faster clock (`hourMs` for an hour, the counts times `scale`),
 * two replicas on one database whose heartbeats this bench keeps turning, a backlog of
 * `items` issues spread evenly over p0…p3 for three specialists, and `lateP0` p0 issues
 * opened half an hour in, when the budget is spent by the backlog. Each item's work posts
 * one comment (content-creating) and submits it for review. Probot's write spacing is
 * scaled with the clock.
 */
export async function benchQuotaRun(databaseUrl: string, options: QuotaRunOptions): Promise<QuotaRun> {
  const limits: PlatformLimits = {
    hourMs: options.hourMs,
    primaryPerHour: Math.round(5_000 * options.scale),
    contentPerMinute: Math.max(1, Math.round(80 * options.scale)),
    contentPerHour: Math.round(500 * options.scale),
  }
  const timeScale = options.hourMs / REAL_HOUR_MS
  const home = await mkdtemp(path.join(tmpdir(), 'gaffer-bench-quota-'))
  const agentsDir = path.join(home, 'agents')
  await cp(shippedAgentsDir, agentsDir, { recursive: true })
  for (const agent of AGENTS) {
    const file = path.join(agentsDir, agent, 'AGENTS.md')
    await writeFile(file, (await readFile(file, 'utf8')).replace(/maxConcurrent: \d+\n/, `maxConcurrent: ${MAX_CONCURRENT}\n`))
  }
  const bench = await startBenchGitHub()
  const { owner, repo, maya } = bench
  const proxy = await startRateLimitedGitHub(bench.github.url, limits)
  const pools = [createPool(databaseUrl), createPool(databaseUrl)]
  const work: WorkHook = async ({ item, octokit, setStatus }) => {
    await octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', {
      owner,
      repo,
      issue_number: item.get().number,
      body: 'Done.',
    })
    await setStatus('submit_for_review')
    return { tokens: 0, costUsd: 0 }
  }
  const settings = {
    schedule: false,
    wakes: false,
    writeSpacingMs: Math.max(1, Math.round(1_000 * timeScale)),
    quota: {
      ...defaultQuotaSettings,
      enabled: options.arbitration,
      github: { primaryPerHour: limits.primaryPerHour, contentPerMinute: limits.contentPerMinute, contentPerHour: limits.contentPerHour },
      minuteMs: options.hourMs / 60,
      hourMs: options.hourMs,
      pollMs: Math.max(20, Math.round(options.hourMs / 600)),
      fallbackPauseMs: options.hourMs / 60,
      // A shared 2-core machine delays a request by tens of milliseconds, a large share of a 0.5 s minute.
      windowMarginMs: options.hourMs / 60 / 10,
    },
  }
  const replicas: Gaffer[] = []
  for (const [index, pool] of pools.entries()) {
    replicas.push(
      await startGaffer({
        app: bench.github.app,
        githubApiUrl: proxy.url,
        pool,
        log: createLogger('silent'),
        // The first replica takes the webhooks; both work.
        port: index === 0 ? bench.port : 0,
        host: '127.0.0.1',
        adminToken: undefined,
        agentsDir,
        settings,
        Octokit: ProbotOctokit,
        work,
      }),
    )
  }
  const pool = pools[0]!
  const statusOf = async () =>
    (await pool.query<{ number: number; status: string | null }>("select number, status from work_items where kind = 'issue'")).rows
  let stopped = false
  const turning = replicas.flatMap((replica) =>
    AGENTS.map(async (agent) => {
      while (!stopped) {
        await replica.heartbeats.runNow(bench.github.repository, agent).catch(() => undefined)
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
    }),
  )
  try {
    const open = (i: number, priority: number) =>
      maya.issues.create({
        owner,
        repo,
        title: `Task ${i + 1} (p${priority})`,
        labels: [`agent:${AGENTS[i % AGENTS.length]}`, `priority:p${priority}`],
      })
    const priorities = new Map<number, number>()
    for (let i = 0; i < options.items; i += 1) priorities.set((await open(i, i % 4)).data.number, i % 4)
    const started = performance.now()
    const late = new Map<number, number>()
    const lateOpenedAt = new Map<number, number>()
    const done = new Map<number, number>()
    let doneInHour = 0
    const timeoutMs = options.hourMs * 4
    while (performance.now() - started < timeoutMs) {
      const now = performance.now()
      if (late.size === 0 && now - started >= options.hourMs / 2) {
        for (let i = 0; i < options.lateP0; i += 1) {
          const { number } = (await open(options.items + i, 0)).data
          late.set(number, performance.now())
          lateOpenedAt.set(number, Date.now())
        }
      }
      for (const row of await statusOf()) if (row.status === 'review' && !done.has(row.number)) done.set(row.number, now)
      if (now - started <= options.hourMs) doneInHour = done.size
      if (late.size > 0 && done.size >= options.items + options.lateP0) break
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    const seconds = (performance.now() - started) / 1000
    const failed = await pool.query<{ n: number }>("select count(distinct number)::int as n from item_runs where outcome = 'failed'")
    const perItem = (n: number) => (done.size > 0 ? n / done.size : 0)
    const requestsPerItem = perItem(proxy.counts.forwarded)
    const contentPerItem = perItem(proxy.counts.content)
    const ceilingPerHour = Math.min(5_000 / requestsPerItem, contentPerItem > 0 ? Math.min(80 * 60, 500) / contentPerItem : Infinity)
    return {
      arbitration: options.arbitration,
      items: options.items + options.lateP0,
      doneInHour,
      done: done.size,
      seconds,
      failedRuns: failed.rows[0]!.n,
      lost: options.items + options.lateP0 - done.size,
      requestsPerItem,
      contentPerItem,
      ceilingPerHour,
      // Items done in the proxy's first hour, in real limits (the counts were scaled down by `scale`).
      achievedPerHour: doneInHour / options.scale,
      p0LatencyMs: [...late].map(([number, openedAt]) => (done.get(number) ?? performance.now()) - openedAt),
      lowerBeforeP0: [...lateOpenedAt].map(([number, openedAt]) => {
        const own = proxy.contentLog.find((request) => request.number === number)?.at ?? Number.POSITIVE_INFINITY
        return proxy.contentLog.filter((request) => request.at > openedAt && request.at < own && (priorities.get(request.number) ?? 0) > 0).length
      }),
      refusedPrimary: proxy.counts.refusedPrimary,
      refusedSecondary: proxy.counts.refusedSecondary,
      notModified: proxy.counts.notModified,
    }
  } finally {
    stopped = true
    await Promise.all(turning)
    for (const replica of replicas) await replica.stop()
    for (const each of pools) await each.end()
    await proxy.close()
    await bench.github.emulator.close()
    await rm(home, { recursive: true, force: true })
  }
}

/** The rate-limited table: arbitration on beside Probot's throttle alone, same backlog and limits. */
export function quotaTableRows(on: QuotaRun, off: QuotaRun, options: { hourMs: number; scale: number }): Row[] {
  const ms = (values: number[]) =>
    values.length === 0 ? '-' : `${Math.round(Math.max(...values))} max, ${Math.round(values.reduce((a, b) => a + b, 0) / values.length)} mean`
  const share = (run: QuotaRun) =>
    `${Math.round((run.achievedPerHour / run.ceilingPerHour) * 100)}% (${Math.round(run.achievedPerHour)} of ${Math.round(run.ceilingPerHour)})`
  const clock = `1 h of GitHub in ${options.hourMs / 1000} s, limits ×${options.scale}`
  const behind = (run: QuotaRun) => `${run.lowerBeforeP0.reduce((a, b) => a + b, 0)} (${Math.max(0, ...run.lowerBeforeP0)} at most for one p0)`
  return [
    {
      measure: 'items/h achieved ÷ ceiling of the measured mix',
      gaffer: share(on),
      baseline: share(off),
      note: `${clock}; 2 replicas; ceiling from 5,000/h and 500 content/h at the mix`,
    },
    {
      measure: 'request mix per item',
      gaffer: `${on.requestsPerItem.toFixed(1)} requests, ${on.contentPerItem.toFixed(2)} content`,
      baseline: `${off.requestsPerItem.toFixed(1)} requests, ${off.contentPerItem.toFixed(2)} content`,
      note: 'installation requests the proxy let through (304s apart), per item done',
    },
    {
      measure: 'late p0 latency (ms, open → review)',
      gaffer: ms(on.p0LatencyMs),
      baseline: ms(off.p0LatencyMs),
      note: 'p0 items opened half an hour in, with the backlog spending the budget',
    },
    {
      measure: 'p1–p3 comments sent while a late p0 waited',
      gaffer: behind(on),
      baseline: behind(off),
      note: 'comments GitHub received for lower-priority items between a late p0 opening and its own comment (goal 0)',
    },
    {
      measure: 'items lost / with a failed run',
      gaffer: `${on.lost} / ${on.failedRuns}`,
      baseline: `${off.lost} / ${off.failedRuns}`,
      note: `of ${on.items} (p0…p3 evenly, plus the late p0s); the run ends when all are done or after 4 h of its clock`,
    },
    {
      measure: 'requests refused by the limiter',
      gaffer: `${on.refusedPrimary} primary, ${on.refusedSecondary} secondary`,
      baseline: `${off.refusedPrimary} primary, ${off.refusedSecondary} secondary`,
      note: 'answers 403 from the proxy, as GitHub gives them',
    },
    {
      measure: 'conditional reads answered 304 (free)',
      gaffer: String(on.notModified),
      baseline: String(off.notModified),
      note: 'not counted against the primary limit',
    },
  ]
}
