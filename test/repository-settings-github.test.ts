import { describe, expect, it } from 'vitest'
import { commentAs, openPullRequest, poll, settleWebhooks, useTestCompany, type UsedTestCompany } from './helpers/test-company.ts'

const ADMIN_TOKEN = 'test-admin-token-0123456789'

type RepositoryState = { repository: string; settingsSource: string; settingsError: string | null; rosterSource: string }
type State = { repositories: RepositoryState[]; agents: Array<{ repository: string; slug: string }> }

/** Writes a file on a repository's default branch as maya (creating or replacing it). */
async function put(c: UsedTestCompany, repository: string, path: string, text: string): Promise<void> {
  const [owner, repo] = repository.split('/') as [string, string]
  const sha = await c.maya.repos.getContent({ owner, repo, path }).then(
    ({ data }) => (data as { sha: string }).sha,
    () => undefined,
  )
  await c.maya.repos.createOrUpdateFileContents({ owner, repo, path, message: `update ${path}`, content: Buffer.from(text).toString('base64'), sha })
}

async function openIssue(c: UsedTestCompany, repository: string): Promise<number> {
  const [owner, repo] = repository.split('/') as [string, string]
  const { data } = await c.maya.issues.create({ owner, repo, title: `An item of ${repository}` })
  await expect
    .poll(
      async () => (await c.db.pool.query('select 1 from work_items where repository = $1 and number = $2', [repository, data.number])).rowCount,
      poll,
    )
    .toBe(1)
  return data.number
}

async function labels(c: UsedTestCompany, repository: string, number: number): Promise<string[]> {
  const [owner, repo] = repository.split('/') as [string, string]
  const { data } = await c.maya.issues.get({ owner, repo, issue_number: number })
  return data.labels.map((label) => (typeof label === 'string' ? label : (label.name ?? '')))
}

async function replies(c: UsedTestCompany, repository: string, number: number): Promise<string[]> {
  const [owner, repo] = repository.split('/') as [string, string]
  const { data } = await c.maya.issues.listComments({ owner, repo, issue_number: number })
  return data.filter((comment) => comment.user?.login === `${c.github.app.slug}[bot]`).map((comment) => comment.body ?? '')
}

/** The gate's two numbers as the quality gate reads them for a repository (null: the defaults). */
async function gateNumbers(c: UsedTestCompany, repository: string) {
  const { rows } = await c.db.pool.query<{ threshold: number | null; approvals: number | null }>(
    'select quality_threshold as threshold, required_approvals as approvals from repositories where full_name = $1',
    [repository],
  )
  return rows[0]
}

/** The summary of the newest quality gate run on a pull request's head, as GitHub shows it. */
async function gateSummary(c: UsedTestCompany, repository: string, number: number): Promise<string> {
  const [owner, repo] = repository.split('/') as [string, string]
  const { data: pull } = await c.maya.pulls.get({ owner, repo, pull_number: number })
  const { data } = await c.maya.checks.listForRef({ owner, repo, ref: pull.head.sha, check_name: 'Gaffer quality gate' })
  return data.check_runs[0]?.output.summary ?? ''
}

const chief = '---\nname: Chief of Gears\nrole: ceo\nheartbeat: "0 * * * *"\ntools: [comment]\n---\nRun the gears company.\n'

describe('settings per repository, across repositories and installations', () => {
  const c = useTestCompany({ tenants: true, model: true, app: { adminToken: ADMIN_TOKEN, owners: ['maya'] } })
  const widgets = () => c.github.repository
  const gadgets = () => c.github.tenants!.sibling
  const gears = () => c.github.tenants!.other.repository

  const state = async (): Promise<State> => {
    const response = await fetch(`${c.gaffer!.url}/gaffer/api/state`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
    expect(response.status).toBe(200)
    return (await response.json()) as State
  }
  const repositoryState = async (repository: string) => (await state()).repositories.find((r) => r.repository === repository)

  it('keeps each repository to its own settings and org chart, in one installation and across two', async () => {
    await put(c, widgets(), '.github/gaffer.yml', 'approvers: [oscar]\nqualityThreshold: 90\n')
    await put(c, gears(), '.github/gaffer.yml', 'qualityThreshold: 50\nrequiredApprovals: 0\n')
    await put(c, gears(), '.github/agents/chief/AGENTS.md', chief)

    await expect.poll(async () => (await repositoryState(widgets()))?.settingsSource, poll).toBe('repository')
    await expect.poll(async () => (await repositoryState(gears()))?.settingsSource, poll).toBe('repository')
    await expect.poll(async () => (await state()).agents.filter((a) => a.repository === gears()).map((a) => a.slug), poll).toEqual(['chief'])
    expect(await repositoryState(gadgets())).toMatchObject({ settingsSource: 'environment', settingsError: null, rosterSource: 'shipped' })
    expect((await state()).agents.filter((a) => a.repository === widgets()).map((a) => a.slug)).not.toContain('chief')

    // The gate's numbers: each repository's own, the defaults where it set none.
    expect(await gateNumbers(c, widgets())).toEqual({ threshold: 90, approvals: 1 })
    expect(await gateNumbers(c, gadgets())).toEqual({ threshold: null, approvals: null })
    expect(await gateNumbers(c, gears())).toEqual({ threshold: 50, approvals: 0 })
    // ...and the gate of each repository's pull requests decides with them.
    for (const [repository, expected] of [
      [widgets(), 'threshold 90\n- Human approvals: 0/1'],
      [gadgets(), 'threshold 70\n- Human approvals: 0/1'],
      [gears(), 'threshold 50\n- Human approvals: 0/0'],
    ] as const) {
      const number = await openPullRequest(c, { by: 'maya', branch: 'gate-numbers', title: 'Check the gate numbers', repository })
      await expect.poll(() => gateSummary(c, repository, number), poll).toContain(expected)
    }

    // oscar (no write access anywhere) is an approver of widgets only.
    const [a, b, other] = [await openIssue(c, widgets()), await openIssue(c, gadgets()), await openIssue(c, gears())]
    await commentAs(c, 'oscar', a, '/priority p1', widgets())
    await expect.poll(() => labels(c, widgets(), a), poll).toContain('priority:p1')
    await commentAs(c, 'oscar', b, '/priority p1', gadgets())
    await commentAs(c, 'oscar', other, '/priority p1', gears())
    await expect
      .poll(async () => (await replies(c, gadgets(), b)).join('\n'), poll)
      .toContain('needs write access to this repository or to be a listed approver')
    await expect
      .poll(async () => (await replies(c, gears(), other)).join('\n'), poll)
      .toContain('needs write access to this repository or to be a listed approver')
    expect(await labels(c, gadgets(), b)).not.toContain('priority:p1')
    expect(await labels(c, gears(), other)).not.toContain('priority:p1')
  })

  it("inherits the organization's defaults from its .github repository, and a file's _extends", async () => {
    const org = c.github.organization
    await c.maya.repos.createInOrg({ org, name: '.github', auto_init: true })
    await put(c, `${org}/.github`, '.github/gaffer.yml', 'requiredApprovals: 2\nqualityThreshold: 75\nowners: [maya]\n')

    // A repository without a file takes the org's file as it is.
    await expect.poll(async () => (await repositoryState(gadgets()))?.settingsSource, poll).toBe('repository')
    expect(await gateNumbers(c, gadgets())).toEqual({ threshold: 75, approvals: 2 })
    // One with its own file ignores the org's until it extends it; then its own keys win.
    expect(await gateNumbers(c, widgets())).toEqual({ threshold: 90, approvals: 1 })
    await put(c, widgets(), '.github/gaffer.yml', '_extends: .github\napprovers: [oscar]\nqualityThreshold: 90\n')
    await expect.poll(() => gateNumbers(c, widgets()), poll).toEqual({ threshold: 90, approvals: 2 })
    // Another organization's repository is untouched by this one's defaults.
    expect(await gateNumbers(c, gears())).toEqual({ threshold: 50, approvals: 0 })

    // An _extends the app cannot follow is a problem to fix, not a file to skip.
    await put(c, gears(), '.github/gaffer.yml', '_extends: no-such-repository\nqualityThreshold: 40\n')
    await expect
      .poll(async () => (await repositoryState(gears()))?.settingsError ?? '', poll)
      .toContain('other-company/gears:.github/gaffer.yml: _extends: names other-company/no-such-repository:.github/gaffer.yml, which does not exist')
    expect(await gateNumbers(c, gears())).toEqual({ threshold: 50, approvals: 0 })
    await put(c, gears(), '.github/gaffer.yml', 'qualityThreshold: 50\nrequiredApprovals: 0\n')
    await expect.poll(async () => (await repositoryState(gears()))?.settingsError, poll).toBeNull()
  })

  it('keeps the last valid settings when a pushed file is invalid, shows why, and across a restart', async () => {
    await put(c, widgets(), '.github/gaffer.yml', '_extends: .github\napprovers: [oscar]\nqualityThreshold: high\nrequiredApprovals: 3\n')

    await expect
      .poll(async () => (await repositoryState(widgets()))?.settingsError ?? '', poll)
      .toContain('.github/gaffer.yml: qualityThreshold: must be a whole number')
    expect(await gateNumbers(c, widgets())).toEqual({ threshold: 90, approvals: 2 })
    const number = await openIssue(c, widgets())
    await commentAs(c, 'oscar', number, '/priority p2', widgets())
    await expect.poll(() => labels(c, widgets(), number), poll).toContain('priority:p2')

    // A replica that starts while the file is still invalid has the last valid settings from Postgres.
    await c.stopApp()
    await c.startApp({
      adminToken: ADMIN_TOKEN,
      owners: ['maya'],
      model: { apiKey: 'k', defaultModel: 'gpt-4.1-mini', maxRetries: 0, baseUrl: c.model.url },
    })
    expect((await repositoryState(widgets()))?.settingsError).toContain('qualityThreshold')
    const again = await openIssue(c, widgets())
    await commentAs(c, 'oscar', again, '/priority p3', widgets())
    await expect.poll(() => labels(c, widgets(), again), poll).toContain('priority:p3')

    // Fixed: accepted, and the error goes.
    await put(c, widgets(), '.github/gaffer.yml', '_extends: .github\nqualityThreshold: 95\n')
    await expect.poll(async () => (await repositoryState(widgets()))?.settingsError, poll).toBeNull()
    expect(await gateNumbers(c, widgets())).toEqual({ threshold: 95, approvals: 2 })
  })

  it("lets agents read outsiders' comments only where the repository's commentAccess says so", async () => {
    await put(c, widgets(), '.github/gaffer.yml', '_extends: .github\nqualityThreshold: 95\ncommentAccess: everyone\n')
    await expect
      .poll(async () => (await repositoryState(widgets()))?.settingsError === null && (await gateNumbers(c, widgets()))?.threshold, poll)
      .toBe(95)

    const userMessage = async (repository: string) => {
      const [owner, repo] = repository.split('/') as [string, string]
      const { data } = await c.maya.issues.create({ owner, repo, title: 'Tidy the API', labels: ['agent:backend-engineer'], body: 'Please tidy.' })
      await expect
        .poll(
          async () =>
            (await c.db.pool.query('select status from work_items where repository = $1 and number = $2', [repository, data.number])).rows[0]?.status,
          poll,
        )
        .toBe('todo')
      await c.oscar.issues.createComment({ owner, repo, issue_number: data.number, body: 'Outsider here: use v2 routes.' })
      await settleWebhooks(c)
      c.model.reset()
      c.model.script({ toolCalls: [{ name: 'set_status', arguments: { status: 'done' } }] })
      await c.gaffer!.heartbeats.runNow(repository, 'backend-engineer')
      return String(c.model.requests[0]?.messages[1]?.content)
    }

    expect(await userMessage(widgets())).toContain('Outsider here: use v2 routes.')
    expect(await userMessage(gadgets())).not.toContain('Outsider here')
  })
})
