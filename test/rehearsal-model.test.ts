import { generateKeyPairSync } from 'node:crypto'
import { Writable } from 'node:stream'
import { afterAll, describe, expect, it } from 'vitest'
import { createModelClient } from '../src/llm/model-client.ts'
import { REHEARSAL_MODEL, REHEARSAL_NAME, REHEARSAL_NOTE } from '../src/llm/rehearsal/rehearsal-model.ts'
import { startRehearsalServer, type RehearsalServer } from '../src/llm/rehearsal/rehearsal-server.ts'
import { createLogger } from '../src/log.ts'
import { loadRosterDir, shippedAgentsDir } from '../src/roster/load-roster.ts'
import { itemMessage, systemPrompt } from '../src/runtime/prompt.ts'
import { offeredTools } from '../src/runtime/tools/index.ts'
import { getWorkItem } from '../src/store/work-items.ts'
import { readState } from '../src/web/read-state.ts'
import { runToEnd } from './helpers/run-process.ts'
import { commentAs, useTestCompany } from './helpers/test-company.ts'

/** A generous bound for a chain of heartbeats woken one by another; the test waits, it does not time them. */
const chain = { timeout: 90_000, interval: 250 }

describe('the rehearsal model over HTTP', () => {
  let server: RehearsalServer | undefined
  afterAll(() => server?.close())

  it('answers the real openai client with tool calls for the agent and item in the request, and refuses what is not a chat completion', async () => {
    server = await startRehearsalServer(createLogger('silent'))
    const roster = (await loadRosterDir(shippedAgentsDir)).roster!
    const agent = roster.get('backend-engineer')!
    const item = {
      repository: 'demo-company/widgets',
      number: 10,
      kind: 'issue' as const,
      title: 'Search API',
      state: 'open' as const,
      status: 'in-progress' as const,
      owner_agent: 'backend-engineer',
      labels: ['agent:backend-engineer', 'status:in-progress'],
      author: 'maya',
      priority_score: 0,
      priority_reason: '',
      model_adjustment: null,
      model_why: null,
      delegation_depth: 1,
      parent_number: 6,
      created_by_agent: 'vp-engineering',
      attempts: 0,
      body: 'Part of #6\n\nSearch by name.',
      blocked_reason: null,
      escalated_to: null,
      escalation_level: 0,
      claimed_by_run: null,
      lease_expires_at: null,
      failure_signature: null,
      failure_count: 0,
      github_created_at: null,
      github_updated_at: null,
      status_changed_at: null,
      github_confirmed_at: null,
      node_id: null,
    }
    const model = createModelClient({ apiKey: undefined, baseUrl: server.url, timeoutMs: 10_000, maxRetries: 0 })

    const turn = await model.complete({
      model: REHEARSAL_MODEL,
      messages: [
        { role: 'system', content: systemPrompt({ agent, roster, repository: item.repository, goalChain: [], owners: [] }) },
        { role: 'user', content: itemMessage({ item, comments: [], children: [] }) },
      ],
      tools: offeredTools(agent).definitions,
      signal: new AbortController().signal,
    })
    const notFound = await fetch(`${server.url}/models`)
    const notJson = await fetch(`${server.url}/chat/completions`, { method: 'POST', body: '{' })

    expect(turn.message.tool_calls?.map((call) => (call.type === 'function' ? call.function.name : call.type))).toEqual(['comment', 'propose_change'])
    expect(turn.promptTokens).toBeGreaterThan(0)
    expect(notFound.status).toBe(404)
    expect(notJson.status).toBe(400)
    expect(await notJson.json()).toEqual({ error: { message: 'the request body is not JSON', type: 'invalid_request_error' } })
  })
})

describe('a company played by the rehearsal model through the real runtime and tools', () => {
  let server: RehearsalServer | undefined
  const lines: string[] = []
  const log = createLogger(
    'info',
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(...chunk.toString().split('\n').filter(Boolean))
        done()
      },
    }),
  )
  const c = useTestCompany({
    app: async () => {
      server = await startRehearsalServer(log)
      return {
        log,
        owners: ['maya'],
        model: { apiKey: undefined, baseUrl: server.url, defaultModel: REHEARSAL_MODEL, rehearsal: true, maxRetries: 0 },
        // Agents run as soon as work reaches them, as in the sandbox; no cron heartbeats.
        settings: { wakes: true },
      }
    },
  })
  afterAll(() => server?.close())

  const at = () => ({ owner: c.owner, repo: c.repo })
  const commentsOn = async (number: number) => (await c.maya.issues.listComments({ ...at(), issue_number: number })).data.map((x) => x.body ?? '')
  const scoreOf = async (pr: number) =>
    (await c.db.pool.query<{ score: number; verdict: string }>('select score, verdict from quality_scores where pr_number = $1', [pr])).rows[0]
  const gate = async (sha: string) =>
    (await c.maya.checks.listForRef({ ...at(), ref: sha, check_name: 'Gaffer quality gate' })).data.check_runs[0]?.conclusion ?? null

  it('takes a goal through delegation to a reviewed pull request that waits for a person, and home to done once it is merged', async () => {
    const { data: goal } = await c.maya.issues.create({
      ...at(),
      title: 'Searchable catalogue',
      labels: ['gaffer:goal'],
      body: 'Find any widget.\n\n- [ ] Search (area:engineering)\n  - [ ] Search API (area:backend)',
    })

    // Goal → VP → backend engineer → pull request → reviewer's score.
    const pull = async () => (await c.maya.pulls.list({ ...at(), state: 'all' })).data.find((p) => p.title === 'Search API')
    await expect.poll(async () => (await pull()) && (await scoreOf((await pull())!.number)), chain).toEqual({ score: 77, verdict: 'approve' })
    const pr = (await pull())!
    const initiative = (await c.maya.issues.listForRepo({ ...at(), state: 'all' })).data.find((i) => i.title === 'Search')!
    const task = (await c.maya.issues.listForRepo({ ...at(), state: 'all' })).data.find((i) => i.title === 'Search API' && !i.pull_request)!
    await expect.poll(async () => (await getWorkItem(c.db.pool, c.github.repository, pr.number))?.status, chain).toBe('review')
    // The reviewer's progress comment is its run's last write.
    await expect.poll(() => commentsOn(pr.number), chain).toEqual([expect.stringMatching(/^Reviewed #\d+: \*\*approve\*\*, quality score 77\/100/)])

    // Every text the runs wrote names the rehearsal model, added by the runtime whatever wrote it.
    expect(initiative.body).toContain(REHEARSAL_NOTE)
    expect(pr.body).toContain(REHEARSAL_NOTE)
    for (const number of [goal.number, initiative.number, task.number, pr.number]) {
      const comments = await commentsOn(number)
      expect(comments.length).toBeGreaterThan(0)
      for (const body of comments) expect(body).toContain(REHEARSAL_NOTE)
    }
    const reviews = (await c.maya.pulls.listReviews({ ...at(), pull_number: pr.number })).data
    expect(reviews.map((review) => review.body)).toEqual([
      expect.stringMatching(/^\*\*Approve\*\* — quality score 77\/100[\s\S]*rehearsal model \(no AI\)/),
    ])
    expect((await c.maya.repos.getContent({ ...at(), path: `rehearsal/${task.number}-search-api.md`, ref: pr.head.ref })).status).toBe(200)
    // Free, and said so in the logs and the state.
    const spent = await c.db.pool.query<{ tokens: number; cost: string }>(
      'select sum(tokens)::int as tokens, sum(cost_usd)::text as cost from heartbeat_runs',
    )
    expect(spent.rows[0]!.tokens).toBeGreaterThan(0)
    expect(Number(spent.rows[0]!.cost)).toBe(0)
    const toolLines = lines.map((line) => JSON.parse(line) as { msg: string; model?: string }).filter((line) => line.msg === 'tool call done')
    expect(toolLines.length).toBeGreaterThan(0)
    expect(toolLines.every((line) => line.model === REHEARSAL_NAME)).toBe(true)
    const state = await (await fetch(`http://127.0.0.1:${c.port}/gaffer/api/state`)).json()
    expect(state).toMatchObject({ model: { name: REHEARSAL_NAME, rehearsal: true } })

    // The pull request waits for a person: the gate turns green only with maya's /approve.
    expect(await gate(pr.head.sha)).not.toBe('success')
    await commentAs(c, 'maya', pr.number, '/approve')
    await expect.poll(() => gate(pr.head.sha), chain).toBe('success')

    // Merged: the task is done, the VP and then the CEO sum up their children and finish.
    await c.maya.pulls.update({ ...at(), pull_number: pr.number, draft: false } as never)
    await c.maya.pulls.merge({ ...at(), pull_number: pr.number, merge_method: 'merge' })
    await expect.poll(async () => (await c.maya.issues.get({ ...at(), issue_number: goal.number })).data.state, chain).toBe('closed')
    expect((await commentsOn(goal.number)).join('\n')).toMatch(
      /\*\*Summary\*\* of the work delegated from #\d+:\n\n- #\d+ Search \(vp-engineering\): closed/,
    )
  }, 180_000)

  it('blocks an item that asks a question, passes it up the chain to the humans, and works it once a person answers', async () => {
    const { data: issue } = await c.maya.issues.create({ ...at(), title: 'Should search be fuzzy?', labels: ['area:backend'] })

    await expect
      .poll(async () => {
        const item = await getWorkItem(c.db.pool, c.github.repository, issue.number)
        return item && { status: item.status, escalatedTo: item.escalated_to, needsHuman: item.labels.includes('needs-human') }
      }, chain)
      .toEqual({ status: 'blocked', escalatedTo: 'humans', needsHuman: true })
    const [escalation] = (await readState(c.db.pool)).escalations
    expect(escalation).toMatchObject({ number: issue.number, reason: expect.stringContaining('"Should search be fuzzy?"') })
    expect((await commentsOn(issue.number)).join('\n')).toMatch(/Escalated by ceo to @maya[\s\S]*rehearsal model \(no AI\)/)

    // Answered, the question is no longer asked: the specialist proposes its note, with the answer in it.
    await commentAs(c, 'maya', issue.number, '/unblock Yes, forgive one typo.')
    await expect.poll(async () => (await getWorkItem(c.db.pool, c.github.repository, issue.number))?.status, chain).toBe('review')
    const pr = (await c.maya.pulls.list({ ...at(), state: 'open' })).data.find((p) => p.title === 'Should search be fuzzy?')!
    const { data: note } = await c.maya.repos.getContent({ ...at(), path: `rehearsal/${issue.number}-should-search-be-fuzzy.md`, ref: pr.head.ref })
    expect(Buffer.from((note as { content: string }).content, 'base64').toString()).toContain('Yes, forgive one typo.')
  }, 150_000)
})

describe('the GitHub App and the rehearsal model', () => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const app: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    PORT: '0',
    LOG_LEVEL: 'warn',
    APP_ID: '123456',
    PRIVATE_KEY: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    WEBHOOK_SECRET: 'webhook-secret-value',
    // Unreachable on purpose: the start fails right after the model is chosen.
    DATABASE_URL: 'postgres://gaffer@127.0.0.1:2/gaffer',
  }

  it.each([
    { GAFFER_MODEL: undefined, starts: false },
    { GAFFER_MODEL: 'gpt-4.1-mini', starts: false },
    { GAFFER_MODEL: 'rehearsal', starts: true },
  ])(
    'with GAFFER_MODEL=$GAFFER_MODEL starts the rehearsal model: $starts',
    async ({ GAFFER_MODEL, starts }) => {
      const run = await runToEnd(process.execPath, ['src/main.ts'], { ...app, ...(GAFFER_MODEL ? { GAFFER_MODEL } : {}) })

      expect(run.stderr).toContain('cannot use the database at DATABASE_URL')
      const warnings = run.stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { level: number; msg: string; model?: string })
      expect(warnings.some((line) => line.level === 40 && line.model === REHEARSAL_NAME && line.msg.startsWith('GAFFER_MODEL=rehearsal'))).toBe(
        starts,
      )
    },
    60_000,
  )
})
