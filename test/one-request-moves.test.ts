import { beforeAll, describe, expect, it } from 'vitest'
import { repositoryLabelIds } from '../src/github/label-node-ids.ts'
import { createLogger } from '../src/log.ts'
import { moveItem, type MoveDeps } from '../src/mirror/move-item.ts'
import { getWorkItem } from '../src/store/work-items.ts'
import { graphqlStandIn, type StandInOptions } from './helpers/github-graphql-stand-in.ts'
import type { ProxiedRequest } from './helpers/github-proxy.ts'
import { labelsOnGitHub, openSettledIssue, settleWebhooks, useTestCompany } from './helpers/test-company.ts'

const ADMIN_TOKEN = 'admin-token-for-one-request-moves'

const said = (requests: readonly ProxiedRequest[]) =>
  requests.map((request) => `${request.method} ${decodeURIComponent(request.path.split('?')[0]!)}`)

/** The installation's writes so far, as the request hook counted them (`/metrics`). */
async function writesCounted(port: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).text()
  return [...text.matchAll(/^gaffer_github_requests_total\{[^}]*kind="write"[^}]*\} (\d+)/gm)].reduce((sum, [, n]) => sum + Number(n), 0)
}

/** A status move on a GitHub with GraphQL: the label delta and the close are one request (issue 17). */
describe('a status move as one GraphQL request', () => {
  let standIn: StandInOptions = {}
  const c = useTestCompany({
    proxy: (request) =>
      graphqlStandIn(
        () => c.github.url,
        () => c.github.repository,
        () => standIn,
      )(request),
    app: { adminToken: ADMIN_TOKEN },
  })
  const repository = () => c.github.repository
  const item = async (number: number) => (await getWorkItem(c.db.pool, repository(), number))!
  const deps = (): MoveDeps => ({ pool: c.db.pool, botLogin: () => 'gaffer[bot]', log: createLogger('silent') })
  const octokit = () => c.gaffer!.probot.auth(c.github.app.installationId)
  const during = async (action: () => Promise<unknown>) => {
    const from = c.proxy.requests.length
    await action()
    return said(c.proxy.requests.slice(from))
  }

  beforeAll(async () => {
    // The status labels exist, as on a repository Gaffer has worked in: a label GitHub lacks is created by REST.
    for (const name of ['status:in-progress', 'status:done'])
      await c.maya.issues.createLabel({ owner: c.owner, repo: c.repo, name, color: 'ededed' }).catch(() => {})
  })

  it('claims and finishes an issue with one request each, the finish closing it, and the labels right on GitHub and in the mirror', async () => {
    standIn = {}
    const number = await openSettledIssue(c, { title: 'Write the guide', labels: ['agent:docs-writer', 'documentation'] })
    expect((await item(number)).node_id).toEqual(expect.any(String))
    // The repository's label ids, read once per process before the first move that needs them.
    await repositoryLabelIds(await octokit(), repository())
    const writesBefore = await writesCounted(c.port)

    const claim = await during(async () => expect(await moveItem(deps(), await octokit(), await item(number), 'claim')).toMatchObject({ ok: true }))
    expect(claim).toEqual(['POST /graphql'])
    expect(await labelsOnGitHub(c, number)).toEqual(['agent:docs-writer', 'documentation', 'status:in-progress'])
    expect((await item(number)).labels.sort()).toEqual(['agent:docs-writer', 'documentation', 'status:in-progress'])
    // One write through the request hook (the shared quota's gate), not one for each mutation.
    expect((await writesCounted(c.port)) - writesBefore).toBe(1)

    const finish = await during(async () => expect(await moveItem(deps(), await octokit(), await item(number), 'finish')).toMatchObject({ ok: true }))
    expect(finish).toEqual(['POST /graphql'])
    const { data } = await c.maya.issues.get({ owner: c.owner, repo: c.repo, issue_number: number })
    expect(data.state).toBe('closed')
    expect(await labelsOnGitHub(c, number)).toEqual(['agent:docs-writer', 'documentation', 'status:done'])
    expect(await item(number)).toMatchObject({ state: 'closed', status: 'done' })
    expect((await item(number)).labels.sort()).toEqual(['agent:docs-writer', 'documentation', 'status:done'])
    await settleWebhooks(c)
    expect(await item(number)).toMatchObject({ state: 'closed', status: 'done' })
  })

  it("keeps a label a person added between Gaffer's read and its write", async () => {
    const number = await openSettledIssue(c, { title: 'Fix the footer', labels: ['agent:frontend-engineer'] })
    const seen = await item(number)
    standIn = {
      beforeApply: async () => {
        await c.maya.issues.addLabels({ owner: c.owner, repo: c.repo, issue_number: number, labels: ['needs-design'] })
      },
    }

    const claim = await during(async () => expect(await moveItem(deps(), await octokit(), seen, 'claim')).toMatchObject({ ok: true }))

    expect(claim).toEqual(['POST /graphql'])
    expect(await labelsOnGitHub(c, number)).toEqual(['agent:frontend-engineer', 'needs-design', 'status:in-progress'])
    // The mirror records the labels GitHub answered, the person's included.
    expect((await item(number)).labels.sort()).toEqual(['agent:frontend-engineer', 'needs-design', 'status:in-progress'])
  })

  it('moves by REST when GitHub refuses the mutation before applying any of it, and by GraphQL again on the next move', async () => {
    const number = await openSettledIssue(c, { title: 'Tidy the changelog', labels: ['agent:docs-writer'] })
    standIn = {
      answer: (fields) => ({
        status: 200,
        body: {
          data: Object.fromEntries(fields.map((field) => [field, null])),
          errors: [{ type: 'FORBIDDEN', path: [fields[0]], message: 'Resource not accessible by integration' }],
        },
      }),
    }

    const claim = await during(async () => expect(await moveItem(deps(), await octokit(), await item(number), 'claim')).toMatchObject({ ok: true }))

    expect(claim).toEqual([
      'POST /graphql',
      `POST /repos/${repository()}/issues/${number}/labels`,
      `DELETE /repos/${repository()}/issues/${number}/labels/status:todo`,
    ])
    expect(await labelsOnGitHub(c, number)).toEqual(['agent:docs-writer', 'status:in-progress'])
    expect(await item(number)).toMatchObject({ status: 'in-progress' })

    standIn = {}
    const finish = await during(async () => expect(await moveItem(deps(), await octokit(), await item(number), 'finish')).toMatchObject({ ok: true }))
    // The refusal made the ids suspect: they are read again, then the move is one request.
    expect(finish).toEqual([`GET /repos/${repository()}/labels`, 'POST /graphql'])
    expect(await labelsOnGitHub(c, number)).toEqual(['agent:docs-writer', 'status:done'])
  })

  it('finishes by REST a move GitHub applied only in part', async () => {
    const number = await openSettledIssue(c, { title: 'Half a move', labels: ['agent:docs-writer'] })
    standIn = { applyOnly: 1 }

    expect(await moveItem(deps(), await octokit(), await item(number), 'claim')).toMatchObject({ ok: true, to: 'in-progress' })

    expect(await item(number)).toMatchObject({ status: 'in-progress' })
    expect(await labelsOnGitHub(c, number)).toEqual(['agent:docs-writer', 'status:in-progress'])
  })

  it('repairs a move whose label add GitHub refused while it applied the remove (a stale label id), and reads the ids again', async () => {
    const number = await openSettledIssue(c, { title: 'A stale id', labels: ['agent:docs-writer'] })
    standIn = { failField: 'added' }

    const claim = await during(async () => expect(await moveItem(deps(), await octokit(), await item(number), 'claim')).toMatchObject({ ok: true }))

    // GitHub removed status:todo and refused the add; the REST delta adds status:in-progress.
    expect(claim).toContain(`POST /repos/${repository()}/issues/${number}/labels`)
    expect(await labelsOnGitHub(c, number)).toEqual(['agent:docs-writer', 'status:in-progress'])
    expect(await item(number)).toMatchObject({ status: 'in-progress' })
    standIn = {}
    const finish = await during(async () => expect(await moveItem(deps(), await octokit(), await item(number), 'finish')).toMatchObject({ ok: true }))
    expect(finish).toEqual([`GET /repos/${repository()}/labels`, 'POST /graphql'])
  })
})

/** The emulated GitHub has no GitHub GraphQL: moves go by REST, found out once per process. */
describe('a status move on a GitHub without GraphQL', () => {
  const logs: Array<{ msg: string }> = []
  const c = useTestCompany({ proxy: true, app: { log: createLogger('warn', { write: (line: string) => void logs.push(JSON.parse(line)) }) } })
  const repository = () => c.github.repository
  const item = async (number: number) => (await getWorkItem(c.db.pool, repository(), number))!

  it('moves by REST, asks GraphQL once and logs it once', async () => {
    const deps: MoveDeps = { pool: c.db.pool, botLogin: () => 'gaffer[bot]', log: createLogger('silent') }
    const octokit = await c.gaffer!.probot.auth(c.github.app.installationId)
    const first = await openSettledIssue(c, { title: 'First', labels: ['agent:docs-writer'] })
    const second = await openSettledIssue(c, { title: 'Second', labels: ['agent:docs-writer'] })
    // Routing the two issues moved them already (a move to todo): GraphQL was asked then.
    const from = c.proxy.requests.findIndex((request) => request.path === '/graphql') + 1
    expect(from).toBeGreaterThan(0)

    expect(await moveItem(deps, octokit, await item(first), 'claim')).toMatchObject({ ok: true })
    expect(await moveItem(deps, octokit, await item(second), 'claim')).toMatchObject({ ok: true })
    expect(await moveItem(deps, octokit, await item(first), 'finish')).toMatchObject({ ok: true })

    expect(said(c.proxy.requests).filter((request) => request === 'POST /graphql')).toHaveLength(1)
    expect(said(c.proxy.requests.slice(c.proxy.requests.length - 7))).toEqual([
      `POST /repos/${repository()}/issues/${first}/labels`,
      `DELETE /repos/${repository()}/issues/${first}/labels/status:todo`,
      `POST /repos/${repository()}/issues/${second}/labels`,
      `DELETE /repos/${repository()}/issues/${second}/labels/status:todo`,
      `POST /repos/${repository()}/issues/${first}/labels`,
      `DELETE /repos/${repository()}/issues/${first}/labels/status:in-progress`,
      `PATCH /repos/${repository()}/issues/${first}`,
    ])
    expect(logs.filter((line) => /no GraphQL/.test(line.msg))).toHaveLength(1)
    expect(await labelsOnGitHub(c, first)).toEqual(['agent:docs-writer', 'status:done'])
    expect(await labelsOnGitHub(c, second)).toEqual(['agent:docs-writer', 'status:in-progress'])
    expect(await item(first)).toMatchObject({ state: 'closed', status: 'done' })
  })
})
