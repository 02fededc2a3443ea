import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { Octokit } from '@octokit/rest'
import { afterAll, describe, expect, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from './helpers/database.ts'
import { startUntil } from './helpers/run-process.ts'

const poll = { timeout: 30_000, interval: 200 }

type Item = { number: number; kind: 'issue' | 'pull'; title: string; status: string | null; owner: string | null; labels: string[] }
type State = { items: Item[]; model: unknown; quality: Array<{ agent: string; pullRequests: number }> }

/** A whole company's chain of heartbeats on a shared, loaded machine: generous, and not a timing assertion. */
const flow = { timeout: 150_000, interval: 500 }

describe('npm start without GitHub App credentials runs the sandbox', () => {
  let home: string | undefined
  afterAll(async () => {
    if (!home) return
    const data = await realpath(path.join(home, 'postgres')).catch(() => undefined)
    await rm(home, { recursive: true, force: true })
    if (data) await rm(data, { recursive: true, force: true })
  })

  it('starts embedded Postgres, an emulated GitHub and the rehearsal model, takes the seeded goal to reviewed pull requests that wait for maya, and stops on SIGTERM', async () => {
    home = await mkdtemp(path.join(tmpdir(), 'gaffer-sandbox-home-'))
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, GAFFER_HOME: home, PORT: '0', LOG_LEVEL: 'warn' }

    const app = await startUntil(process.execPath, ['src/main.ts'], env, 'Stop with Ctrl+C.', 90_000)

    const out = app.stdout()
    const dashboard = /Dashboard\s+(\S+)/.exec(out)?.[1]
    const githubUrl = /Emulated GitHub\s+(\S+)/.exec(out)?.[1]
    const mayaToken = /Act as maya \(write access\):\s+(\S+)/.exec(out)?.[1]
    expect(dashboard).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/gaffer$/)
    expect(githubUrl).toMatch(/^http:\/\/localhost:\d+$/)
    expect(out).toMatch(/Act as oscar \(no access\):\s+gho_/)
    expect(out).toMatch(/Model\s+rehearsal model \(no AI\)/)

    const page = await fetch(dashboard!)
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('<h1>Gaffer</h1>')

    // No model is configured, so the rehearsal model plays every agent: the goal fans out through
    // the CEO and the VPs to the specialists, each task and seeded item becomes a pull request the
    // reviewer scores, and the question is blocked and passed up to maya. Bounded, not timed.
    const state = async () => (await (await fetch(`${dashboard}/api/state`)).json()) as State
    const expected = [
      ['Catalogue API and page with search', 'issue', 'vp-engineering', 'waiting'],
      ['Catalogue API with a search parameter', 'issue', 'backend-engineer', 'review'],
      ['Catalogue API with a search parameter', 'pull', 'reviewer', 'review'],
      ['Catalogue documentation and launch note', 'issue', 'vp-product', 'waiting'],
      ['Catalogue guide and launch note', 'issue', 'docs-writer', 'review'],
      ['Catalogue guide and launch note', 'pull', 'reviewer', 'review'],
      ['Catalogue page with a search box', 'issue', 'frontend-engineer', 'review'],
      ['Catalogue page with a search box', 'pull', 'reviewer', 'review'],
      ['Document how to add a widget', 'issue', 'docs-writer', 'review'],
      ['Document how to add a widget', 'pull', 'reviewer', 'review'],
      ['Launch the widget catalogue', 'issue', 'ceo', 'waiting'],
      ['Prices round down instead of to the nearest cent', 'issue', 'backend-engineer', 'review'],
      ['Prices round down instead of to the nearest cent', 'pull', 'reviewer', 'review'],
      ['Should the catalogue show prices with VAT included?', 'issue', 'frontend-engineer', 'blocked'],
      ['Team lunch ideas', 'issue', null, null],
    ]
    const byTitle = (a: Item, b: Item) => a.title.localeCompare(b.title) || a.kind.localeCompare(b.kind)
    await expect.poll(async () => (await state()).items.sort(byTitle).map((i) => [i.title, i.kind, i.owner, i.status]), flow).toEqual(expected)
    const { items, model, quality } = await state()
    expect(model).toEqual({ name: 'rehearsal model (no AI)', rehearsal: true })
    expect(quality.map((q) => [q.agent, q.pullRequests])).toEqual([
      ['backend-engineer', 2],
      ['docs-writer', 2],
      ['frontend-engineer', 1],
    ])
    expect(items.find((i) => i.title.startsWith('Should'))?.labels).toContain('needs-human')

    const maya = new Octokit({ baseUrl: githubUrl, auth: mayaToken })
    const at = { owner: 'demo-company', repo: 'widgets' }
    const goal = items.find((i) => i.title === 'Launch the widget catalogue')!
    expect((await maya.issues.listComments({ ...at, issue_number: goal.number })).data.map((c) => c.body)).toEqual(
      expect.arrayContaining([expect.stringContaining('Written by the rehearsal model (no AI)')]),
    )
    // A reviewed pull request waits for a person: maya's /approve turns its gate green.
    const pull = items.find((i) => i.kind === 'pull' && i.title === 'Catalogue API with a search parameter')!
    const { data: pr } = await maya.pulls.get({ ...at, pull_number: pull.number })
    const gate = async () =>
      (await maya.checks.listForRef({ ...at, ref: pr.head.sha, check_name: 'Gaffer quality gate' })).data.check_runs[0]?.conclusion
    expect(await gate()).not.toBe('success')
    await maya.issues.createComment({ ...at, issue_number: pull.number, body: '/approve' })
    await expect.poll(gate, poll).toBe('success')

    const { data: issue } = await maya.issues.create({ ...at, title: 'Add a search box', labels: ['area:frontend'] })
    await expect.poll(async () => (await state()).items.find((i) => i.number === issue.number)?.owner, poll).toBe('frontend-engineer')

    app.child.kill('SIGTERM')
    expect(await app.exited).toBe(0)
    // A whole process start, Postgres included: on a loaded 2-core machine that alone can take most of a minute.
  }, 330_000)
})

describe('gaffer sandbox --agents DIR rehearses another org chart', () => {
  let db: TestDatabase | undefined
  let dir: string | undefined
  afterAll(async () => {
    await db?.drop()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('runs the sandbox with that org: the seeded goal fans out to its agents, whose changes its reviewer scores', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'gaffer-rehearse-org-'))
    const agent = async (slug: string, front: string) => {
      await mkdir(path.join(dir!, 'agents', slug), { recursive: true })
      await writeFile(path.join(dir!, 'agents', slug, 'AGENTS.md'), `---\n${front}\nheartbeat: "0 * * * *"\n---\nWork.\n`)
    }
    await agent('boss', 'name: Boss\nrole: ceo\ntools: [comment, delegate, set_status, unblock, escalate]')
    // A priced model in AGENTS.md: rehearsed, it still costs nothing.
    await agent(
      'maker',
      'name: Maker\nrole: specialist\nreportsTo: boss\nmodel: gpt-4.1\nhandles: ["area:engineering"]\ntools: [comment, set_status, propose_change]',
    )
    await agent(
      'checker',
      'name: Checker\nrole: reviewer\nreportsTo: boss\nhandles: ["area:review"]\ntools: [comment, set_status, read_pull_request, review_pull_request]',
    )
    // A database of the test server instead of a second embedded Postgres.
    db = await createTestDatabase()
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      GAFFER_HOME: dir,
      PORT: '0',
      LOG_LEVEL: 'warn',
      DATABASE_URL: db.url,
    }

    const app = await startUntil(
      process.execPath,
      ['src/cli/gaffer.ts', 'sandbox', '--agents', path.join(dir, 'agents')],
      env,
      'Stop with Ctrl+C.',
      90_000,
    )

    try {
      expect(app.stdout()).toMatch(/^boss \(ceo: Boss\)/m)
      const dashboard = /Dashboard\s+(\S+)/.exec(app.stdout())![1]
      const state = async () => (await (await fetch(`${dashboard}/api/state`)).json()) as State & { agents: Array<{ slug: string }> }
      expect((await state()).agents.map((a) => a.slug).sort()).toEqual(['boss', 'checker', 'maker'])
      // Both tasks of the goal go to the one specialist (one by its label, one in turn), and both of its pull requests are scored.
      await expect.poll(async () => (await state()).quality.map((q) => [q.agent, q.pullRequests]), flow).toEqual([['maker', 2]])
      const items = (await state()).items
      expect(
        items
          .filter((i) => i.kind === 'issue' && i.owner === 'maker')
          .map((i) => i.title)
          .sort(),
      ).toEqual(['Catalogue API and page with search', 'Catalogue documentation and launch note'])
      const { runs } = (await (await fetch(`${dashboard}/api/state`)).json()) as { runs: Array<{ agent: string; tokens: number; costUsd: number }> }
      expect(runs.filter((r) => r.agent === 'maker' && r.tokens > 0).length).toBeGreaterThan(0)
      expect(runs.map((r) => r.costUsd)).toEqual(runs.map(() => 0))
      // Labels nobody in this org handles route nothing: those seeded items are left alone.
      expect(items.find((i) => i.title === 'Prices round down instead of to the nearest cent')).toMatchObject({ owner: null, status: null })
    } finally {
      app.child.kill('SIGTERM')
      await app.exited
    }
  }, 300_000)
})
