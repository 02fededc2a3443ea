import { createPool } from '../src/store/pool.ts'
import { countingOctokit, startBenchReplica } from './replica.ts'
import { startScriptedModel } from '../test/helpers/scripted-model.ts'

export type ThroughputRow = { measure: string; gaffer: string; baseline: string; note: string }

// GitHub's limits for one installation (REST): all requests, and content-creating ones.
const REQUESTS_PER_HOUR = 5_000
const CONTENT_PER_MINUTE = 80
const CONTENT_PER_HOUR = 500

/**
 * End to end in the sandbox's setup: `tasks` issues for the three specialists, wakes on,
 * a scripted model that answers each call after `modelDelayMs` by finishing the item.
 * Reports throughput and the request mix, and the ceiling GitHub's limits put on that mix.
 */
export async function benchThroughput(databaseUrl: string, options: { tasks: number; modelDelayMs: number; timeoutMs: number }): Promise<ThroughputRow[]> {
  const counting = countingOctokit()
  const { counts } = counting
  const model = await startScriptedModel({ delayMs: options.modelDelayMs, whenIdle: { toolCalls: [{ name: 'set_status', arguments: { status: 'done' } }] } })
  const pool = createPool(databaseUrl)
  const { owner, repo, maya, stop } = await startBenchReplica({
    pool,
    Octokit: counting.Octokit,
    settings: { wakes: true, wakeDebounceMs: 200 },
    model: { apiKey: 'bench', baseUrl: model.url, defaultModel: 'gpt-4.1-mini', maxRetries: 0 },
  })
  const specialists = ['backend-engineer', 'frontend-engineer', 'docs-writer']
  try {
    counting.reset()
    const started = performance.now()
    for (let i = 0; i < options.tasks; i += 1) {
      await maya.issues.create({ owner, repo, title: `Task ${i + 1}`, labels: [`agent:${specialists[i % specialists.length]}`] })
    }
    const done = async () =>
      Number((await pool.query("select count(*) from work_items where kind = 'issue' and status = 'done'")).rows[0].count)
    let completed = 0
    while (performance.now() - started < options.timeoutMs && (completed = await done()) < options.tasks) {
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
    const seconds = (performance.now() - started) / 1000
    const rssMb = process.memoryUsage().rss / 1024 / 1024
    const per = (n: number) => (completed > 0 ? n / completed : 0)
    const mix = { requests: per(counts.reads + counts.writes), creating: per(counts.creating) }
    const ceiling = Math.min(
      mix.requests > 0 ? REQUESTS_PER_HOUR / mix.requests : Infinity,
      mix.creating > 0 ? Math.min(CONTENT_PER_MINUTE * 60, CONTENT_PER_HOUR) / mix.creating : Infinity,
    )
    const achieved = (completed / seconds) * 3600
    return [
      { measure: 'completed items', gaffer: `${completed} of ${options.tasks} in ${seconds.toFixed(1)} s`, baseline: '-', note: `model answers after ${options.modelDelayMs} ms` },
      { measure: 'completed items/s', gaffer: (completed / seconds).toFixed(2), baseline: '-', note: '3 specialists, 2 items each per heartbeat, wakes on' },
      { measure: 'model calls per item', gaffer: per(model.requests.length).toFixed(2), baseline: '1.00', note: 'baseline: one call per item, the least possible' },
      { measure: 'GitHub requests per item', gaffer: `${per(counts.reads).toFixed(1)} reads, ${per(counts.writes).toFixed(1)} writes`, baseline: '-', note: 'includes routing, claims, status, closing' },
      { measure: 'content-creating requests per item', gaffer: per(counts.creating).toFixed(2), baseline: '-', note: 'POST of issues, comments, pulls, reviews' },
      {
        measure: 'items/hour: GitHub ceiling vs achieved',
        gaffer: `${Number.isFinite(ceiling) ? Math.floor(ceiling) : 'unbounded'} ceiling`,
        baseline: `${Math.floor(achieved)} achieved`,
        note: `5,000 requests/h; content-creating 80/min and 500/h, at the measured mix`,
      },
      { measure: 'resident memory under load (MB)', gaffer: rssMb.toFixed(1), baseline: '-', note: 'the bench process, which also hosts the emulator and model server' },
    ]
  } finally {
    await stop()
    await pool.end()
    await model.close()
  }
}
