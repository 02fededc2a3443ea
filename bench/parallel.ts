import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { ProbotOctokit } from 'probot'
import { shippedAgentsDir } from '../src/roster/load-roster.ts'
import { createPool } from '../src/store/pool.ts'
import { startScriptedModel } from '../test/helpers/scripted-model.ts'
import { startBenchReplica } from './replica.ts'
import type { Row } from './stats.ts'

const AGENT = 'backend-engineer'
/** The sandbox's spacing of GitHub writes: Probot's 1 s would hide the model's time (docs/performance.md, section 4). */
const WRITE_SPACING_MS = 100

export type ParallelRun = { maxConcurrent: number; tasks: number; completed: number; seconds: number; mostAtOnce: number }

/**
 * One specialist working `tasks` items end to end with `maxConcurrent` items a heartbeat:
 * the emulated GitHub, Gaffer in this process with wakes on (a heartbeat that stops at
 * maxConcurrent wakes its agent again), a scripted model that answers every call after
 * `modelDelayMs` by finishing the item. Reports items/s from the first issue opened to the
 * last item done, and the most items whose work overlapped (from `item_runs`).
 */
export async function benchParallelRun(
  databaseUrl: string,
  options: { maxConcurrent: number; tasks: number; modelDelayMs: number; timeoutMs: number },
): Promise<ParallelRun> {
  const home = await mkdtemp(path.join(tmpdir(), 'gaffer-bench-parallel-'))
  const agentsDir = path.join(home, 'agents')
  await cp(shippedAgentsDir, agentsDir, { recursive: true })
  const file = path.join(agentsDir, AGENT, 'AGENTS.md')
  await writeFile(file, (await readFile(file, 'utf8')).replace(/maxConcurrent: \d+\n/, `maxConcurrent: ${options.maxConcurrent}\n`))
  const model = await startScriptedModel({
    delayMs: options.modelDelayMs,
    whenIdle: { toolCalls: [{ name: 'set_status', arguments: { status: 'done' } }] },
  })
  const pool = createPool(databaseUrl)
  const replica = await startBenchReplica({
    pool,
    Octokit: ProbotOctokit,
    agentsDir,
    settings: { wakes: true, wakeDebounceMs: 200, writeSpacingMs: WRITE_SPACING_MS },
    model: { apiKey: 'bench', baseUrl: model.url, defaultModel: 'gpt-4.1-mini', maxRetries: 0 },
  })
  try {
    const { owner, repo, maya } = replica
    const started = performance.now()
    for (let i = 0; i < options.tasks; i += 1) {
      await maya.issues.create({ owner, repo, title: `Task ${i + 1}`, labels: [`agent:${AGENT}`] })
    }
    const done = async () =>
      (await pool.query<{ n: number }>("select count(*)::int as n from work_items where kind = 'issue' and status = 'done'")).rows[0]!.n
    let completed = 0
    while (performance.now() - started < options.timeoutMs && (completed = await done()) < options.tasks) {
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    const seconds = (performance.now() - started) / 1000
    // The most item runs in progress at one moment: at each start, how many runs had begun and not yet ended.
    const { rows } = await pool.query<{ most: number | null }>(
      `select max((select count(*) from item_runs o where o.started_at <= i.started_at and coalesce(o.finished_at, 'infinity') > i.started_at))::int as most
       from item_runs i`,
    )
    return { maxConcurrent: options.maxConcurrent, tasks: options.tasks, completed, seconds, mostAtOnce: rows[0]?.most ?? 0 }
  } finally {
    await replica.stop()
    await pool.end()
    await model.close()
    await rm(home, { recursive: true, force: true })
  }
}

/** The parallel runs as table rows: maxConcurrent 3 beside maxConcurrent 1. */
export function parallelTableRows(one: ParallelRun, three: ParallelRun, modelDelayMs: number): Row[] {
  const rate = (run: ParallelRun) => `${(run.completed / run.seconds).toFixed(2)} (${run.completed} of ${run.tasks} in ${run.seconds.toFixed(1)} s)`
  return [
    {
      measure: `items/s, one specialist, maxConcurrent ${three.maxConcurrent} vs ${one.maxConcurrent}`,
      gaffer: rate(three),
      baseline: rate(one),
      note: `model answers every call after ${modelDelayMs} ms by finishing the item; wakes on; GitHub writes spaced ${WRITE_SPACING_MS} ms as in the sandbox`,
    },
    {
      measure: 'most items in progress at once',
      gaffer: String(three.mostAtOnce),
      baseline: String(one.mostAtOnce),
      note: 'from item_runs: at the start of each item run, the runs begun and not yet ended',
    },
  ]
}
