import { describe, expect, it } from 'vitest'
import { HOLD_LABEL } from '../src/company/labels.ts'
import { MAX_DELIVERY_ATTEMPTS } from '../src/store/webhook-deliveries.ts'
import { getWorkItem } from '../src/store/work-items.ts'
import type { ProxiedRequest } from './helpers/github-proxy.ts'
import { labelsOnGitHub, poll, useTestCompany } from './helpers/test-company.ts'

const holds = (request: ProxiedRequest) =>
  request.method === 'POST' && /\/issues\/\d+\/labels$/.test(request.path) && JSON.stringify(request.body).includes(HOLD_LABEL)

describe('a comment whose second command meets a GitHub failure (emulated GitHub behind a proxy, real Postgres)', () => {
  // GitHub answers 502 to adding the hold label while `failing` is set (Octokit's own retries included).
  let failing = true
  const c = useTestCompany({
    proxy: (request) => (failing && holds(request) ? { status: 502, body: { message: 'Server Error' } } : undefined),
    app: { owners: ['maya'] },
  })

  it('the retried delivery runs the second command and not the first again', async () => {
    const repository = c.github.repository
    const number = (await c.maya.issues.create({ owner: c.owner, repo: c.repo, title: 'Two commands, one failure' })).data.number
    await expect.poll(() => getWorkItem(c.db.pool, repository, number), poll).toBeDefined()
    const { data: comment } = await c.maya.issues.createComment({ owner: c.owner, repo: c.repo, issue_number: number, body: '/priority p1\n/hold' })
    const delivery = async () =>
      (await c.db.pool.query('select attempts, error, processed_at from webhook_deliveries where payload @> $1', [{ comment: { id: comment.id } }]))
        .rows[0] as { attempts: number; error: string | null; processed_at: Date | null } | undefined
    await expect.poll(async () => (await delivery())?.error, { timeout: 60_000, interval: 200 }).toBeTruthy()
    await c.gaffer!.deliveries.idle()
    const audits = async () =>
      (await c.db.pool.query('select action, outcome from audit_log where detail @> $1 order by id', [{ comment: comment.id }])).rows.map(
        (row: { action: string; outcome: string }) => `${row.action} ${row.outcome}`,
      )
    expect(await audits()).toEqual(['/priority priority p1'])

    failing = false
    // Skip the back-off: the retry is due now.
    await c.db.pool.query('update webhook_deliveries set locked_until = null where payload @> $1', [{ comment: { id: comment.id } }])
    await c.gaffer!.deliveries.sweep()
    await c.gaffer!.deliveries.idle()

    expect((await delivery())?.processed_at).not.toBeNull()
    expect(await audits()).toEqual(['/priority priority p1', '/hold held'])
    expect(await labelsOnGitHub(c, number)).toEqual(expect.arrayContaining(['priority:p1', HOLD_LABEL]))
    const priorityWrites = c.proxy.requests.filter(
      (request) =>
        request.method === 'POST' && request.path.endsWith(`/issues/${number}/labels`) && JSON.stringify(request.body).includes('priority:p1'),
    )
    expect(priorityWrites).toHaveLength(1)
  })
  it('gives a command up on the last attempt of its delivery, says so in the reply and runs the rest', async () => {
    failing = true
    const repository = c.github.repository
    const number = (await c.maya.issues.create({ owner: c.owner, repo: c.repo, title: 'A hold that never lands' })).data.number
    await expect.poll(() => getWorkItem(c.db.pool, repository, number), poll).toBeDefined()
    const { data: comment } = await c.maya.issues.createComment({ owner: c.owner, repo: c.repo, issue_number: number, body: '/hold\n/priority p2' })
    const which = [{ comment: { id: comment.id } }]
    await expect
      .poll(async () => (await c.db.pool.query('select error from webhook_deliveries where payload @> $1', which)).rows[0]?.error, {
        timeout: 60_000,
        interval: 200,
      })
      .toBeTruthy()
    await c.gaffer!.deliveries.idle()
    // As if the attempts between had failed the same way: the next one is the delivery's last.
    await c.db.pool.query('update comment_commands set failures = $2 where comment_id = $1', [comment.id, MAX_DELIVERY_ATTEMPTS - 1])
    await c.db.pool.query('update webhook_deliveries set locked_until = null, attempts = $2 where payload @> $1', [
      ...which,
      MAX_DELIVERY_ATTEMPTS - 1,
    ])

    await c.gaffer!.deliveries.sweep()
    await c.gaffer!.deliveries.idle()

    const replies = (await c.maya.issues.listComments({ owner: c.owner, repo: c.repo, issue_number: number })).data.filter((reply) =>
      reply.user?.login.endsWith('[bot]'),
    )
    expect(replies.map((reply) => reply.body)).toEqual([expect.stringMatching(/could not run `\/hold`: .+; comment again to retry it\./)])
    expect(await labelsOnGitHub(c, number)).toContain('priority:p2')
    expect((await c.db.pool.query('select processed_at, dead_at from webhook_deliveries where payload @> $1', which)).rows[0]).toMatchObject({
      processed_at: expect.any(Date),
      dead_at: null,
    })
  })
})
