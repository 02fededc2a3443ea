import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { getWorkItem } from '../src/store/work-items.ts'
import { deliverWebhook, labeledPayload, labelsOnGitHub, openIssueAsApp, poll, useTestCompany } from './helpers/test-company.ts'

describe('webhooks into the mirror (emulated GitHub, real Postgres)', () => {
  const c = useTestCompany()

  const repository = () => c.github.repository
  const openIssue = async (title: string, labels: string[]) =>
    (await c.maya.issues.create({ owner: c.owner, repo: c.repo, title, labels, body: 'details' })).data.number
  const routeAudits = async (number: number) =>
    Number(
      (await c.db.pool.query("select count(*) from audit_log where action = 'route' and repository = $1 and target = $2", [repository(), number]))
        .rows[0].count,
    )

  const deliver = (event: string, payload: object, options: { id?: string; signature?: string } = {}) =>
    deliverWebhook(c, event, JSON.stringify(payload), options)

  it('routes a new issue with a handles label to that agent as todo', async () => {
    const number = await openIssue('Prices round down', ['area:backend'])

    await expect.poll(() => labelsOnGitHub(c, number), poll).toEqual(['agent:backend-engineer', 'area:backend', 'status:todo'])
    await expect.poll(async () => (await getWorkItem(c.db.pool, repository(), number))?.status, poll).toBe('todo')
    const item = await getWorkItem(c.db.pool, repository(), number)
    expect(item).toMatchObject({ kind: 'issue', state: 'open', owner_agent: 'backend-engineer', title: 'Prices round down' })
  })

  it('gives a goal to the CEO', async () => {
    const number = await openIssue('Launch the catalogue', ['gaffer:goal'])

    await expect.poll(() => labelsOnGitHub(c, number), poll).toEqual(['agent:ceo', 'gaffer:goal', 'status:todo'])
  })

  it('gives an agent-labelled issue without a status the todo status', async () => {
    const number = await openIssue('Tidy the footer', ['agent:frontend-engineer'])

    await expect.poll(() => labelsOnGitHub(c, number), poll).toEqual(['agent:frontend-engineer', 'status:todo'])
  })

  it('leaves alone an issue nobody gave to an agent', async () => {
    const number = await openIssue('Team lunch ideas', ['question'])

    await expect.poll(() => getWorkItem(c.db.pool, repository(), number), poll).toBeDefined()
    await c.gaffer!.deliveries.idle()
    expect(await labelsOnGitHub(c, number)).toEqual(['question'])
    expect(await routeAudits(number)).toBe(0)
  })

  it('repairs two status labels to the most advanced one and comments once', async () => {
    const number = await openIssue('Two statuses', ['agent:backend-engineer', 'status:todo', 'status:review'])

    await expect.poll(() => labelsOnGitHub(c, number), poll).toEqual(['agent:backend-engineer', 'status:review'])
    await c.maya.issues.update({ owner: c.owner, repo: c.repo, issue_number: number, title: 'Two statuses (edited)' })
    await expect.poll(async () => (await getWorkItem(c.db.pool, repository(), number))?.title, poll).toBe('Two statuses (edited)')
    await c.gaffer!.deliveries.idle()
    const { data: comments } = await c.maya.issues.listComments({ owner: c.owner, repo: c.repo, issue_number: number })
    expect(comments.filter((comment) => comment.body?.includes('status labels'))).toHaveLength(1)
  })

  it('stores a replayed delivery once and acts on it once', async () => {
    const number = await openIssue('Replay me', [])
    await expect.poll(() => getWorkItem(c.db.pool, repository(), number), poll).toBeDefined()
    const payload = await labeledPayload(c, number, ['area:frontend'], { login: c.github.maintainer.login, type: 'User' })
    const id = randomUUID()

    const first = await deliver('issues', payload, { id })
    const replay = await deliver('issues', payload, { id })

    expect([first.status, replay.status]).toEqual([202, 200])
    expect((await replay.json()) as object).toMatchObject({ status: 'duplicate' })
    await expect.poll(() => labelsOnGitHub(c, number), poll).toContain('agent:frontend-engineer')
    await c.gaffer!.deliveries.idle()
    const rows = await c.db.pool.query('select processed_at, error from webhook_deliveries where delivery_id = $1', [id])
    expect(rows.rows).toHaveLength(1)
    expect(rows.rows[0]).toMatchObject({ error: null })
    expect(rows.rows[0].processed_at).not.toBeNull()
    expect(await routeAudits(number)).toBe(1)
  })

  it('rejects a forged signature with 401 and changes nothing', async () => {
    const number = await openIssue('Forge target', [])
    await expect.poll(() => getWorkItem(c.db.pool, repository(), number), poll).toBeDefined()
    const payload = await labeledPayload(c, number, ['area:backend'], { login: c.github.maintainer.login, type: 'User' })
    const id = randomUUID()
    const body = JSON.stringify(payload)
    const { createHmac } = await import('node:crypto')
    const forged = `sha256=${createHmac('sha256', 'not-the-secret').update(body).digest('hex')}`

    const response = await deliver('issues', payload, { id, signature: forged })

    expect(response.status).toBe(401)
    expect(((await response.json()) as { error: string }).error).toMatch(/WEBHOOK_SECRET/)
    const stored = await c.db.pool.query('select 1 from webhook_deliveries where delivery_id = $1', [id])
    expect(stored.rowCount).toBe(0)
    expect((await getWorkItem(c.db.pool, repository(), number))?.labels).toEqual([])
    expect(await labelsOnGitHub(c, number)).toEqual([])
  })

  it('answers 400 when the GitHub headers are missing', async () => {
    const response = await fetch(`http://127.0.0.1:${c.port}/api/github/webhooks`, { method: 'POST', body: '{}' })

    expect(response.status).toBe(400)
    expect(((await response.json()) as { error: string }).error).toMatch(/X-Hub-Signature-256/)
  })

  it("does not route the echo of the app's own writes", async () => {
    const number = await openIssue('Written by the app', [])
    await expect.poll(() => getWorkItem(c.db.pool, repository(), number), poll).toBeDefined()
    const own = await labeledPayload(c, number, ['area:backend'], { login: `${c.github.app.slug}[bot]`, type: 'Bot' })

    expect((await deliver('issues', own)).status).toBe(202)

    await expect
      .poll(
        async () =>
          (
            await c.db.pool.query('select processed_at from webhook_deliveries where payload @> $1', [
              { issue: { number }, sender: { login: `${c.github.app.slug}[bot]` } },
            ])
          ).rows[0]?.processed_at,
        poll,
      )
      .toBeTruthy()
    await c.gaffer!.deliveries.idle()
    expect(await labelsOnGitHub(c, number)).toEqual([])
    expect(await routeAudits(number)).toBe(0)
  })

  it('reconciles a repository an installation adds: its items are read from GitHub and routed', async () => {
    // The app's own issue is mirrored but not routed, so only the reconcile can route it.
    const number = await openIssueAsApp(c, { title: 'Written before the repository was added', labels: ['area:backend'] })
    expect(await labelsOnGitHub(c, number)).toEqual(['area:backend'])

    const added = {
      action: 'added',
      installation: { id: c.github.app.installationId, account: { login: c.owner } },
      repositories_added: [{ full_name: repository() }],
    }
    expect((await deliver('installation_repositories', added)).status).toBe(202)

    await expect.poll(() => labelsOnGitHub(c, number), poll).toEqual(['agent:backend-engineer', 'area:backend', 'status:todo'])
  })
})
