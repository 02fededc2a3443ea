import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { WorkHook } from '../src/heartbeat/heartbeat.ts'
import { shippedAgentsDir } from '../src/roster/load-roster.ts'
import { listItemRuns, type ItemRunRow } from '../src/store/item-runs.ts'
import { getWorkItem } from '../src/store/work-items.ts'
import { labelsOnGitHub, poll, settleWebhooks, useTestCompany, type TestCompany } from './helpers/test-company.ts'

const AGENT = 'backend-engineer'

/** The shipped org with the backend engineer working `maxConcurrent` items at once, within `budget`. */
async function orgWith(maxConcurrent: number, budget = '{ monthlyUsd: 30, runTokens: 80000 }'): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'gaffer-parallel-'))
  const agentsDir = path.join(dir, 'agents')
  await cp(shippedAgentsDir, agentsDir, { recursive: true })
  const file = path.join(agentsDir, AGENT, 'AGENTS.md')
  const text = (await readFile(file, 'utf8'))
    .replace('maxConcurrent: 2\n', `maxConcurrent: ${maxConcurrent}\n`)
    .replace('budget: { monthlyUsd: 30, runTokens: 80000 }\n', `budget: ${budget}\n`)
  await writeFile(file, text)
  return agentsDir
}

async function openTask(c: TestCompany, title: string, priority = 'priority:p2'): Promise<number> {
  const number = (await c.maya.issues.create({ owner: c.owner, repo: c.repo, title, labels: [`agent:${AGENT}`, priority] })).data.number
  await expect.poll(async () => (await getWorkItem(c.db.pool, c.github.repository, number))?.status, poll).toBe('todo')
  await settleWebhooks(c)
  await settleWebhooks(c)
  return number
}

/** Every item's run began before any of them ended: they were all in progress at one moment. */
function allOverlap(runs: readonly ItemRunRow[]): boolean {
  const lastStart = Math.max(...runs.map((run) => run.startedAt.getTime()))
  const firstEnd = Math.min(...runs.map((run) => run.finishedAt?.getTime() ?? Number.POSITIVE_INFINITY))
  return lastStart < firstEnd
}

const dirs: string[] = []
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(path.dirname(dir), { recursive: true, force: true })))
})

describe('maxConcurrent items worked at the same time (scripted model answering after 1.5 s)', () => {
  const c = useTestCompany({
    model: { whenIdle: { toolCalls: [{ name: 'set_status', arguments: { status: 'done' } }] }, delayMs: 1_500 },
    app: async () => {
      const agentsDir = await orgWith(3)
      dirs.push(agentsDir)
      return { agentsDir }
    },
  })

  it('claims three ready items in priority order and works them at once, each with its own run record and charge', async () => {
    const low = await openTask(c, 'Tidy the logs', 'priority:p3')
    const urgent = await openTask(c, 'Fix the outage', 'priority:p0')
    const normal = await openTask(c, 'Add an endpoint', 'priority:p2')
    const waiting = await openTask(c, 'Next time', 'priority:p3')

    const result = await c.gaffer!.heartbeats.runNow(c.github.repository, AGENT)

    expect(result).toMatchObject({ outcome: 'worked', items: 3, backlog: true })
    const runs = await listItemRuns(c.db.pool, result.runId!)
    // Claimed best first, in one statement; the fourth waits for the next heartbeat.
    expect(runs.map((run) => run.number)).toEqual([urgent, normal, low])
    expect(runs.every((run) => run.outcome === 'worked' && run.finishedAt !== null)).toBe(true)
    expect(allOverlap(runs)).toBe(true)
    // Three model calls, each answered after the delay, all in flight together.
    expect(c.model.requests).toHaveLength(3)
    for (const number of [urgent, normal, low]) {
      expect(await getWorkItem(c.db.pool, c.github.repository, number)).toMatchObject({ status: 'done', claimed_by_run: null })
    }
    expect(await getWorkItem(c.db.pool, c.github.repository, waiting)).toMatchObject({ status: 'todo', claimed_by_run: null })
    // Each run charged its own tokens; the heartbeat's row adds them up.
    expect(runs.map((run) => run.tokens)).toEqual([120, 120, 120])
    const row = (await c.db.pool.query('select items, tokens from heartbeat_runs where id = $1', [result.runId])).rows[0]
    expect(row).toEqual({ items: 3, tokens: 360 })
    // What the dashboard reads: each item's run, beside the heartbeat's.
    const state = (await (await fetch(`${c.gaffer!.url}/gaffer/api/state`)).json()) as {
      itemRuns: Array<{ runId: number; number: number; outcome: string }>
    }
    expect(
      state.itemRuns
        .filter((run) => run.runId === result.runId)
        .map((run) => run.number)
        .sort(),
    ).toEqual([urgent, normal, low].sort())
  })
})

describe('one failing item among concurrent ones', () => {
  const finished: number[] = []
  let broken = -1
  const work: WorkHook = async ({ item, setStatus }) => {
    await new Promise((resolve) => setTimeout(resolve, 300))
    if (item.get().number === broken) throw new Error('the work step crashed')
    await setStatus('finish')
    finished.push(item.get().number)
    return { tokens: 0, costUsd: 0 }
  }
  const c = useTestCompany({
    app: async () => {
      const agentsDir = await orgWith(3)
      dirs.push(agentsDir)
      return { agentsDir, work }
    },
  })

  it('does not stop the others: they finish, the failed one goes back to the queue, the run says why', async () => {
    const first = await openTask(c, 'First', 'priority:p0')
    broken = await openTask(c, 'Crashes', 'priority:p1')
    const third = await openTask(c, 'Third', 'priority:p2')

    const result = await c.gaffer!.heartbeats.runNow(c.github.repository, AGENT)

    expect(result).toMatchObject({ outcome: 'failed', items: 3, error: 'the work step crashed' })
    expect(finished.sort()).toEqual([first, third].sort())
    expect(await getWorkItem(c.db.pool, c.github.repository, broken)).toMatchObject({ status: 'todo', attempts: 1, claimed_by_run: null })
    expect(await labelsOnGitHub(c, broken)).toContain('status:todo')
    const runs = await listItemRuns(c.db.pool, result.runId!)
    expect(runs.map((run) => [run.number, run.outcome, run.error])).toEqual([
      [first, 'worked', null],
      [broken, 'failed', 'the work step crashed'],
      [third, 'worked', null],
    ])
    expect(allOverlap(runs)).toBe(true)
  })
})

describe('a graceful stop while three items are worked at once', () => {
  const started: number[] = []
  const work: WorkHook = async ({ item, signal }) => {
    started.push(item.get().number)
    await new Promise((resolve) => signal.addEventListener('abort', resolve))
    return { tokens: 0, costUsd: 0 }
  }
  const c = useTestCompany({
    app: async () => {
      const agentsDir = await orgWith(3)
      dirs.push(agentsDir)
      return { agentsDir, work, settings: { stopGraceMs: 200 } }
    },
  })

  it('tells each one to stop and hands every claim back without counting an attempt', async () => {
    const numbers = [await openTask(c, 'One'), await openTask(c, 'Two'), await openTask(c, 'Three')]
    const running = c.gaffer!.heartbeats.runNow(c.github.repository, AGENT)
    await expect.poll(() => started.length, poll).toBe(3)

    await c.stopApp()

    const result = await running
    for (const number of numbers) {
      expect(await getWorkItem(c.db.pool, c.github.repository, number)).toMatchObject({ status: 'todo', attempts: 0, claimed_by_run: null })
      expect(await labelsOnGitHub(c, number)).toContain('status:todo')
    }
    const runs = await listItemRuns(c.db.pool, result.runId!)
    expect(runs.map((run) => run.outcome)).toEqual(['handed-back', 'handed-back', 'handed-back'])
  })
})

describe('a budget reservation at the limit', () => {
  // $10 per 1M tokens: a run's 100,000-token budget reserves $1, and each run spends just that.
  const c = useTestCompany({
    model: {
      defaultModel: 'priced-model',
      whenIdle: { toolCalls: [{ name: 'set_status', arguments: { status: 'done' } }], usage: { prompt: 100_000, completion: 0 } },
      delayMs: 500,
    },
    app: async () => {
      const agentsDir = await orgWith(4, '{ monthlyUsd: 3, runTokens: 100000 }')
      dirs.push(agentsDir)
      return { agentsDir, prices: { 'priced-model': { input: 10, output: 10 } } }
    },
  })

  it('starts three runs of a $3 budget at $1 each and not a fourth, so they cannot together overrun it', async () => {
    const numbers = [await openTask(c, 'A'), await openTask(c, 'B'), await openTask(c, 'C'), await openTask(c, 'D')]

    const result = await c.gaffer!.heartbeats.runNow(c.github.repository, AGENT)

    expect(result).toMatchObject({ outcome: 'worked', items: 3 })
    const runs = await listItemRuns(c.db.pool, result.runId!)
    expect(runs.map((run) => run.number)).toEqual(numbers.slice(0, 3))
    expect(allOverlap(runs)).toBe(true)
    expect(await getWorkItem(c.db.pool, c.github.repository, numbers[3]!)).toMatchObject({ status: 'todo', attempts: 0, claimed_by_run: null })
    const agent = (await c.db.pool.query('select month_spend_usd::float8 as spent, paused, paused_reason from agents where slug = $1', [AGENT]))
      .rows[0]
    expect(agent).toEqual({ spent: 3, paused: true, paused_reason: 'monthly budget spent' })
    expect(c.model.requests).toHaveLength(3)
  })
})

describe('the process cap (GAFFER_MAX_PARALLEL=2) under an agent that may hold three', () => {
  const work: WorkHook = async ({ setStatus }) => {
    await new Promise((resolve) => setTimeout(resolve, 500))
    await setStatus('finish')
    return { tokens: 0, costUsd: 0 }
  }
  const c = useTestCompany({
    app: async () => {
      const agentsDir = await orgWith(3)
      dirs.push(agentsDir)
      return { agentsDir, work, parallel: { maxParallel: 2 } }
    },
  })

  it('works two at once and starts the third in the same heartbeat once a slot frees', async () => {
    const numbers = [await openTask(c, 'One', 'priority:p0'), await openTask(c, 'Two', 'priority:p1'), await openTask(c, 'Three', 'priority:p2')]

    const result = await c.gaffer!.heartbeats.runNow(c.github.repository, AGENT)

    expect(result).toMatchObject({ outcome: 'worked', items: 3 })
    const runs = await listItemRuns(c.db.pool, result.runId!)
    expect(runs.map((run) => run.number)).toEqual(numbers)
    expect(allOverlap(runs.slice(0, 2))).toBe(true)
    // The third began only after one of the first two had ended: never three at once.
    const third = runs[2]!
    expect(runs.slice(0, 2).some((run) => run.finishedAt! <= third.startedAt)).toBe(true)
  })
})
