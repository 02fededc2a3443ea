import { beforeEach, describe, expect, it } from 'vitest'
import { getWorkItem } from '../src/store/work-items.ts'
import type { readState } from '../src/web/read-state.ts'
import { labelsOnGitHub, useTestCompany, type TestCompany, openSettledIssue } from './helpers/test-company.ts'

const openIssue = (c: TestCompany, title: string, labels: string[], body = 'Details.') => openSettledIssue(c, { title, labels, body })

describe('a model server that refuses one item', () => {
  // Every call on this item gets the same 400: the server answers, so this is the item's failure,
  // not an outage (a server that fails for everyone trips the global breaker: model-breaker.test.ts).
  const c = useTestCompany({ model: { whenIdle: { status: 400, error: 'the prompt is too long' } } })

  it('blocks the item after three identical failures, not before, and fails each run with the error', async () => {
    const number = await openIssue(c, 'Needs a model', ['agent:backend-engineer'])

    for (const failures of [1, 2]) {
      const result = await c.gaffer!.heartbeats.runNow(c.github.repository, 'backend-engineer')
      expect(result).toMatchObject({ outcome: 'failed', error: 'the model call failed: 400 the prompt is too long (HTTP 400)' })
      expect(await getWorkItem(c.db.pool, c.github.repository, number)).toMatchObject({ status: 'todo', failure_count: failures })
    }
    await c.gaffer!.heartbeats.runNow(c.github.repository, 'backend-engineer')

    // Blocked like any other block: the manager is asked.
    expect(await getWorkItem(c.db.pool, c.github.repository, number)).toMatchObject({
      status: 'blocked',
      failure_count: 3,
      escalated_to: 'vp-engineering',
      escalation_level: 1,
    })
    expect((await getWorkItem(c.db.pool, c.github.repository, number))?.blocked_reason).toMatch(
      /^the model failed 3 times in a row on this item: 400 the prompt is too long/,
    )
    expect(await labelsOnGitHub(c, number)).toEqual(['agent:backend-engineer', 'status:blocked'])
    // The server answered every time: the global breaker never opened.
    expect((await c.gaffer!.modelBreaker!.read()).state).toBe('closed')
  })
})

describe('budgets', () => {
  // docs-writer's shipped budget is $30 a month; at $10 per 1M tokens a 1M-token turn costs $10.
  const c = useTestCompany({ model: { defaultModel: 'priced-model' }, app: { prices: { 'priced-model': { input: 10, output: 10 } } } })
  beforeEach(() => c.model.reset())

  const agentRow = async () =>
    (await c.db.pool.query("select paused, paused_reason, month_spend_usd::float8 as spend from agents where slug = 'docs-writer'")).rows[0]
  const finishWith = (tokens: number) =>
    c.model.script({ toolCalls: [{ name: 'set_status', arguments: { status: 'done' } }], usage: { prompt: tokens, completion: 0 } })

  it('warns once at 80% of the monthly budget and pauses the agent at 100%', async () => {
    const first = await openIssue(c, 'Doc one', ['agent:docs-writer'])
    finishWith(2_500_000)
    await c.gaffer!.heartbeats.runNow(c.github.repository, 'docs-writer')
    expect(await agentRow()).toMatchObject({ paused: false, spend: 25 })
    const warned = (await c.maya.issues.listComments({ owner: c.owner, repo: c.repo, issue_number: first })).data.map((x) => x.body).join('\n')
    expect(warned).toContain('has spent $25.00 of its $30 monthly budget (80% or more)')

    const second = await openIssue(c, 'Doc two', ['agent:docs-writer'])
    finishWith(600_000)
    await c.gaffer!.heartbeats.runNow(c.github.repository, 'docs-writer')

    expect(await agentRow()).toMatchObject({ paused: true, paused_reason: 'monthly budget spent', spend: 31 })
    const paused = (await c.maya.issues.listComments({ owner: c.owner, repo: c.repo, issue_number: second })).data.map((x) => x.body).join('\n')
    expect(paused).toContain('is paused until next month')
    const third = await openIssue(c, 'Doc three', ['agent:docs-writer'])
    const skipped = await c.gaffer!.heartbeats.runNow(c.github.repository, 'docs-writer')
    expect(skipped).toMatchObject({ outcome: 'skipped', error: 'paused' })
    expect(c.model.requests).toHaveLength(2)
    expect(await labelsOnGitHub(c, third)).toContain('status:todo')

    // What an operator sees in /gaffer/api/state: the month's budget and the runs that spent it.
    const state = (await (await fetch(`${c.gaffer!.url}/gaffer/api/state`)).json()) as Awaited<ReturnType<typeof readState>>
    const budget = state.budgets.find((b: { agent: string }) => b.agent === 'docs-writer')
    expect(budget).toMatchObject({ spentUsd: 31, monthlyUsd: 30, share: 1.033, warned: true, pausedByBudget: true })
    expect(budget?.month).toBe(new Date().toISOString().slice(0, 7))
    expect(state.budgets.find((b: { agent: string }) => b.agent === 'reviewer')).toMatchObject({ spentUsd: 0, warned: false, pausedByBudget: false })
    const runs = state.runs.filter((r: { agent: string }) => r.agent === 'docs-writer')
    expect(runs.map((r) => [r.outcome, r.costUsd, r.tokens])).toEqual([
      ['skipped', 0, 0],
      ['worked', 6, 600_000],
      ['worked', 25, 2_500_000],
    ])
    expect(runs[0]).toMatchObject({ trigger: 'api', error: 'paused' })
    expect(state.agents.find((a: { slug: string }) => a.slug === 'docs-writer')).toMatchObject({ paused: true, lastOutcome: 'skipped' })
  })

  it('stops a run at its token budget and hands the item back', async () => {
    await c.db.pool.query("update agents set paused = false, paused_reason = null, month_spend_usd = 0 where slug = 'backend-engineer'")
    const number = await openIssue(c, 'Chatty', ['agent:backend-engineer'])
    // backend-engineer may spend 80,000 tokens a run; the first turn alone uses 100,000.
    c.model.script({ toolCalls: [{ name: 'comment', arguments: { body: 'Thinking.' } }], usage: { prompt: 100_000, completion: 0 } })

    const result = await c.gaffer!.heartbeats.runNow(c.github.repository, 'backend-engineer')

    expect(c.model.requests).toHaveLength(1)
    expect(result).toMatchObject({ outcome: 'worked' })
    expect(await getWorkItem(c.db.pool, c.github.repository, number)).toMatchObject({ status: 'todo', attempts: 1 })
    const run = await c.db.pool.query('select tokens from heartbeat_runs where id = $1', [result.runId])
    expect(run.rows[0].tokens).toBe(100_000)
  })
})
