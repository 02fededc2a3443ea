import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { CommittedFile as ChangedFile } from '../src/github/writes.ts'
import type { WorkspaceOps } from '../src/runtime/cli/workspace-ops.ts'
import { closedBreaker } from '../src/llm/model-breaker-rules.ts'
import { changeModelBreaker } from '../src/store/model-breaker.ts'
import { listCliTranscripts } from '../src/store/cli-transcripts.ts'
import { getWorkItem } from '../src/store/work-items.ts'
import { createTestCompany, type TestCompany, openSettledIssue } from './helpers/test-company.ts'
import { orgWithRuntime } from './helpers/org-with-runtime.ts'

const fakeCli = fileURLToPath(new URL('./fixtures/fake-cli.mjs', import.meta.url))

/**
 * The workspace seam (src/workspace/ provides the real one): a folder with the test's
 * MODE file, changes = files the CLI added, publishing = recorded and the item sent to review.
 */
function stubWorkspace(mode: () => string, published: Array<{ title: string; body: string; files: ChangedFile[] }>): WorkspaceOps {
  return {
    async prepareWorkspace(deps, _octokit, target) {
      const dir = await mkdtemp(path.join(tmpdir(), 'gaffer-cli-work-'))
      await mkdir(path.join(dir, '.git'))
      await writeFile(path.join(dir, 'MODE'), mode())
      return { dir, branch: target.branch, baseSha: 'base', baseRef: target.base, finish: () => rm(dir, { recursive: true, force: true }) }
    },
    async collectChanges(workspace) {
      const names = (await readdir(workspace.dir)).filter((name) => name !== '.git' && name !== 'MODE')
      return {
        files: await Promise.all(names.map(async (name) => ({ path: name, content: await readFile(path.join(workspace.dir, name), 'utf8') }))),
        refused: [],
      }
    },
    async publishChanges(ctx, _workspace, change) {
      published.push({ ...change, files: [...change.files] })
      await ctx.setStatus('submit_for_review')
      return { number: 999, inReview: true }
    },
  }
}

describe('an agent on a CLI runtime (fake Claude Code CLI, emulated GitHub, real Postgres)', () => {
  let c: TestCompany
  let mode = 'nochange'
  const published: Array<{ title: string; body: string; files: ChangedFile[] }> = []
  let home: string

  beforeAll(async () => {
    home = await mkdtemp(path.join(tmpdir(), 'gaffer-agents-'))
    const agentsDir = await orgWithRuntime(home, 'backend-engineer', 'fake-claude')
    c = await createTestCompany()
    await c.startApp({
      agentsDir,
      // A model for the chat agents, so the model breaker exists; nothing listens there.
      model: { apiKey: 'k', baseUrl: 'http://127.0.0.1:9/v1', defaultModel: 'gpt-4.1-mini', maxRetries: 0 },
      owners: ['maya'],
      cli: {
        runtimes: { 'fake-claude': { adapter: 'claude-code', command: [process.execPath, fakeCli], env: [], timeoutMinutes: 1 } },
        sandbox: 'auto',
        usdPerMinute: 0,
        home,
        workspace: stubWorkspace(() => mode, published),
      },
    })
  })
  afterAll(async () => {
    await c?.stop()
    await rm(home, { recursive: true, force: true })
  })
  beforeEach(async () => {
    await c.db.pool.query("update work_items set status = 'done' where status = 'todo'")
  })

  const repository = () => c.github.repository
  const openTask = (title: string, agent = 'backend-engineer') => openSettledIssue(c, { title, labels: [`agent:${agent}`] })
  const progressComment = async (number: number) =>
    (await c.maya.issues.listComments({ owner: c.owner, repo: c.repo, issue_number: number })).data
      .map((comment) => comment.body ?? '')
      .filter((body) => body.includes('kind=progress'))

  it('a change is published, the item goes to review, the cost reaches the budget and the transcript is kept', async () => {
    const number = await openTask('Add a feature file')
    mode = 'change'
    const spentBefore = Number(
      (await c.db.pool.query("select month_spend_usd from agents where slug = 'backend-engineer'")).rows[0]?.month_spend_usd ?? 0,
    )

    await c.gaffer!.heartbeats.runNow(repository(), 'backend-engineer')

    expect((await getWorkItem(c.db.pool, repository(), number))?.status).toBe('review')
    expect(published.at(-1)).toMatchObject({
      body: 'Added feature.txt; the tests pass.',
      files: [{ path: 'feature.txt', content: 'made by the fake CLI\n' }],
    })
    const spent = Number((await c.db.pool.query("select month_spend_usd from agents where slug = 'backend-engineer'")).rows[0]?.month_spend_usd)
    expect(spent - spentBefore).toBeCloseTo(0.25)
    const [transcript] = await listCliTranscripts(c.db.pool, repository(), number)
    expect(transcript).toMatchObject({
      outcome: 'published',
      exitCode: 0,
      inputTokens: 1500,
      outputTokens: 400,
      costUsd: 0.25,
      runtime: 'fake-claude',
    })
    expect(transcript!.transcript).toContain('"type":"result"')
    const [comment] = await progressComment(number)
    expect(comment).toContain('**Backend Engineer** on the `fake-claude` runtime: published')
  })

  it('an open model breaker does not pause it: the CLI talks to its own model', async () => {
    const number = await openTask('Work while our model server is down')
    const chatTask = await openTask('Wait for the model server', 'frontend-engineer')
    mode = 'nochange'
    const now = new Date()
    const open = {
      state: 'open' as const,
      consecutiveFailures: 3,
      since: now,
      lastError: 'Connection error.',
      nextProbeAt: new Date(now.getTime() + 3_600_000),
    }
    await changeModelBreaker(c.db.pool, () => ({ next: open }))
    try {
      expect(await c.gaffer!.heartbeats.runNow(repository(), 'backend-engineer')).toMatchObject({ outcome: 'worked', items: 1 })
      expect((await getWorkItem(c.db.pool, repository(), number))?.status).toBe('done')
      // A chat agent with work is still paused: its item waits, unclaimed.
      expect(await c.gaffer!.heartbeats.runNow(repository(), 'frontend-engineer')).toMatchObject({ outcome: 'skipped' })
      expect(await getWorkItem(c.db.pool, repository(), chatTask)).toMatchObject({ status: 'todo', claimed_by_run: null })
    } finally {
      await changeModelBreaker(c.db.pool, () => ({ next: closedBreaker }))
    }
  })

  it('a report starting BLOCKED: without changes blocks the item with the reason', async () => {
    const number = await openTask('Connect to staging')
    mode = 'blocked'

    await c.gaffer!.heartbeats.runNow(repository(), 'backend-engineer')

    const item = await getWorkItem(c.db.pool, repository(), number)
    expect(item?.status).toBe('blocked')
    expect((await listCliTranscripts(c.db.pool, repository(), number))[0]).toMatchObject({ outcome: 'blocked' })
  })

  it('no changes and exit 0: done; a failing exit counts toward the circuit breaker and leaves the item to retry', async () => {
    const done = await openTask('Check nothing is needed')
    mode = 'nochange'
    await c.gaffer!.heartbeats.runNow(repository(), 'backend-engineer')
    expect((await getWorkItem(c.db.pool, repository(), done))?.status).toBe('done')

    const failing = await openTask('Something that crashes')
    mode = 'fail'
    await c.gaffer!.heartbeats.runNow(repository(), 'backend-engineer')
    const row = (await c.db.pool.query('select status, failure_count from work_items where repository = $1 and number = $2', [repository(), failing]))
      .rows[0]
    expect(row).toMatchObject({ status: 'todo', failure_count: 1 })
    expect((await listCliTranscripts(c.db.pool, repository(), failing))[0]).toMatchObject({ outcome: 'failed', exitCode: 3 })
  })
})
