import { createPool } from '../src/store/pool.ts'
import { freePort } from '../src/net/free-port.ts'
import { startScriptedModel } from '../test/helpers/scripted-model.ts'
import { forkApp, type AppProcess } from './fork-app.ts'
import { startBenchGitHub } from './replica.ts'
import type { Row } from './stats.ts'

// GitHub's limits for one installation (REST): all requests, and content-creating ones.
const REQUESTS_PER_HOUR = 5_000
const CONTENT_PER_MINUTE = 80
const CONTENT_PER_HOUR = 500
/** Probot's spacing of one installation's writes (GitHub's 1 s, the default), in seconds. */
const WRITE_SPACING_S = 1
/** Items worked at once: three specialists, two each (their maxConcurrent). */
const ITEMS_AT_ONCE = 6
/** How long a freshly started app is left alone before its idle memory is read. */
const SETTLE_MS = 3_000

export type ThroughputResult = { throughput: Row[]; memory: Row[]; raw: Record<string, number> }

const settle = () => new Promise((resolve) => setTimeout(resolve, SETTLE_MS))
const mb = (value: number) => value.toFixed(1)

/**
 * End to end in the sandbox's setup, with Gaffer in a process of its own: `tasks` issues
 * for the three specialists, wakes on, a scripted model that answers each call after
 * `modelDelayMs` by finishing the item. Reports throughput, the request mix and the
 * ceiling GitHub's limits put on that mix; and the app process's resident memory idle
 * after start and under this load, beside a bare Probot app's.
 */
export async function benchThroughput(
  databaseUrl: string,
  options: { tasks: number; modelDelayMs: number; timeoutMs: number },
): Promise<ThroughputResult> {
  const model = await startScriptedModel({
    delayMs: options.modelDelayMs,
    whenIdle: { toolCalls: [{ name: 'set_status', arguments: { status: 'done' } }] },
  })
  const { github, port, owner, repo, maya } = await startBenchGitHub()
  const pool = createPool(databaseUrl, 2)
  let app: AppProcess | undefined
  try {
    // Baseline first, alone: Probot with one no-op handler, idle after start.
    const probot = await forkApp({ kind: 'probot', app: github.app, port: await freePort(), githubApiUrl: github.url })
    await settle()
    const probotIdle = await probot.report()
    await probot.stop()

    app = await forkApp({
      kind: 'gaffer',
      app: github.app,
      port,
      githubApiUrl: github.url,
      databaseUrl,
      settings: { wakes: true, wakeDebounceMs: 200 },
      model: { apiKey: 'bench', baseUrl: model.url, defaultModel: 'gpt-4.1-mini', maxRetries: 0 },
    })
    await settle()
    const idle = await app.report({ reset: true })

    const specialists = ['backend-engineer', 'frontend-engineer', 'docs-writer']
    const started = performance.now()
    for (let i = 0; i < options.tasks; i += 1) {
      await maya.issues.create({ owner, repo, title: `Task ${i + 1}`, labels: [`agent:${specialists[i % specialists.length]}`] })
    }
    const done = async () => Number((await pool.query("select count(*) from work_items where kind = 'issue' and status = 'done'")).rows[0].count)
    let completed = 0
    while (performance.now() - started < options.timeoutMs && (completed = await done()) < options.tasks) {
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
    const seconds = (performance.now() - started) / 1000
    const loaded = await app.report()
    const { counts } = loaded

    const per = (n: number) => (completed > 0 ? n / completed : 0)
    const mix = { requests: per(counts.reads + counts.writes), creating: per(counts.creating) }
    const ceiling = Math.min(
      mix.requests > 0 ? REQUESTS_PER_HOUR / mix.requests : Infinity,
      mix.creating > 0 ? Math.min(CONTENT_PER_MINUTE * 60, CONTENT_PER_HOUR) / mix.creating : Infinity,
    )
    const achieved = (completed / seconds) * 3600
    const modelCalls = per(model.requests.length)
    // Issue 17 goal 5: what each bound alone would allow. The model: every item's calls take
    // `modelDelayMs`, ITEMS_AT_ONCE at a time. Probot's throttle: one lane per installation.
    const modelBound = modelCalls > 0 ? ITEMS_AT_ONCE / (modelCalls * (options.modelDelayMs / 1000)) : Infinity
    const throttleBound = Math.min(
      per(counts.writes) > 0 ? 1 / (per(counts.writes) * WRITE_SPACING_S) : Infinity,
      per(counts.creating) > 0 ? 1 / (per(counts.creating) * 3 * WRITE_SPACING_S) : Infinity,
    )
    return {
      throughput: [
        {
          measure: 'completed items',
          gaffer: `${completed} of ${options.tasks} in ${seconds.toFixed(1)} s`,
          baseline: '-',
          note: `model answers after ${options.modelDelayMs} ms`,
        },
        {
          measure: 'completed items/s',
          gaffer: (completed / seconds).toFixed(2),
          baseline: '-',
          note: '3 specialists, 2 items each per heartbeat, wakes on',
        },
        { measure: 'model calls per item', gaffer: modelCalls.toFixed(2), baseline: '1.00', note: 'baseline: one call per item, the least possible' },
        {
          measure: 'GitHub requests per item',
          gaffer: `${per(counts.reads).toFixed(1)} reads, ${per(counts.writes).toFixed(1)} writes`,
          baseline: '-',
          note: 'everything the app process asked of GitHub: routing, claims, context, status, closing',
        },
        {
          measure: 'content-creating requests per item',
          gaffer: per(counts.creating).toFixed(2),
          baseline: '-',
          note: 'POST of issues, comments, pulls, reviews',
        },
        {
          measure: 'items/s bounds: model vs write throttle',
          gaffer: `${modelBound.toFixed(2)} model`,
          baseline: `${throttleBound.toFixed(2)} throttle`,
          note: `model: ${ITEMS_AT_ONCE} items at once ÷ (${modelCalls.toFixed(2)} calls × ${options.modelDelayMs} ms); throttle: one installation lane, writes 1 s apart and content-creating ones 3 s`,
        },
        {
          measure: 'items/hour: GitHub ceiling vs achieved',
          gaffer: `${Number.isFinite(ceiling) ? Math.floor(ceiling) : 'unbounded'} ceiling`,
          baseline: `${Math.floor(achieved)} achieved`,
          note: '5,000 requests/h; content-creating 80/min and 500/h, at the measured mix',
        },
      ],
      memory: [
        {
          measure: 'app rss idle after start (MB)',
          gaffer: mb(idle.rssMb),
          baseline: mb(probotIdle.rssMb),
          note: `each app in its own process, read ${SETTLE_MS / 1000} s after it listens; baseline: Probot with one no-op handler`,
        },
        {
          measure: 'app rss under the end-to-end load (MB)',
          gaffer: `${mb(loaded.peakRssMb)} peak, ${mb(loaded.rssMb)} at the end`,
          baseline: `${mb(idle.rssMb)} idle`,
          note: 'peak of samples every 100 ms while the tasks ran; baseline: the same process idle',
        },
        {
          measure: 'app heap retained after the load (MB)',
          gaffer: mb(loaded.retainedHeapMb),
          baseline: `${mb(idle.retainedHeapMb)} idle`,
          note: 'JavaScript heap in use after a full garbage collection, at the end of the load and after start',
        },
      ],
      raw: {
        tasks: options.tasks,
        completed,
        seconds,
        modelCallsPerItem: modelCalls,
        readsPerItem: per(counts.reads),
        writesPerItem: per(counts.writes),
        creatingPerItem: per(counts.creating),
        modelBoundItemsPerSecond: modelBound,
        throttleBoundItemsPerSecond: throttleBound,
        ceilingItemsPerHour: ceiling,
        achievedItemsPerHour: achieved,
        probotIdleRssMb: probotIdle.rssMb,
        appIdleRssMb: idle.rssMb,
        appPeakRssMb: loaded.peakRssMb,
        appEndRssMb: loaded.rssMb,
        appIdleRetainedHeapMb: idle.retainedHeapMb,
        appLoadedRetainedHeapMb: loaded.retainedHeapMb,
      },
    }
  } finally {
    await app?.stop()
    await github.emulator.close()
    await pool.end()
    await model.close()
  }
}
