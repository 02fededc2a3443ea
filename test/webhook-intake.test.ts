import { randomUUID } from 'node:crypto'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { listSpool, spoolDelivery } from '../src/store/delivery-spool.ts'
import { MAX_DELIVERY_ATTEMPTS, retryDeadDelivery } from '../src/store/webhook-deliveries.ts'
import { getWorkItem } from '../src/store/work-items.ts'
import { readState } from '../src/web/read-state.ts'
import { commentAs, deliverWebhook, labeledPayload, labelsOnGitHub, poll, useTestCompany } from './helpers/test-company.ts'

describe('webhook intake that cannot be replayed (emulated GitHub, real Postgres)', () => {
  let spoolDir: string
  // A verified body the database refuses: jsonb cannot hold \u0000 inside a string.
  const poisonedBody = JSON.stringify({ action: 'opened', title: 'nul \u0000 inside' })
  // Registered before the company, so it runs after the company's replica has stopped using the spool.
  afterAll(async () => {
    if (spoolDir) await rm(spoolDir, { recursive: true, force: true })
  })
  const c = useTestCompany({
    app: async () => {
      spoolDir = await mkdtemp(path.join(tmpdir(), 'gaffer-spool-'))
      // Left by an earlier version that spooled any failed insert: it must not stop the start.
      await spoolDelivery(spoolDir, { deliveryId: randomUUID(), event: 'issues', body: poisonedBody })
      return { spoolDir, webhookBodyDeadlineMs: 1_500 }
    },
  })

  const repository = () => c.github.repository
  const url = () => `http://127.0.0.1:${c.port}/api/github/webhooks`
  const openIssue = async (title: string, labels: string[] = []) => {
    const number = (await c.maya.issues.create({ owner: c.owner, repo: c.repo, title, labels, body: 'details' })).data.number
    await expect.poll(() => getWorkItem(c.db.pool, repository(), number), poll).toBeDefined()
    return number
  }
  const count = async (sql: string, params: unknown[]) => Number((await c.db.pool.query(sql, params)).rows[0].count)

  it('starts with a spooled body the database refuses, and moves it to spool/failed/', async () => {
    expect(await listSpool(spoolDir)).toEqual([])
    expect(await readdir(path.join(spoolDir, 'failed'))).toHaveLength(1)
  })

  it('refuses a signed body the database cannot store with 400, spools nothing, and takes the next delivery', async () => {
    const refused = await deliverWebhook(c, 'issues', JSON.stringify({ action: 'opened', title: `nul \u0000 ${randomUUID()}` }))

    expect(refused.status).toBe(400)
    expect(((await refused.json()) as { error: string }).error).toContain('cannot store this body')
    expect(await listSpool(spoolDir)).toEqual([])
    const number = await openIssue('Delivered after a refused body')
    const next = await deliverWebhook(c, 'issues', JSON.stringify(await labeledPayload(c, number, ['area:frontend'])))
    expect(next.status).toBe(202)
    expect(await next.json()).toMatchObject({ status: 'accepted' })
  })

  it('acknowledges a signed body resent under a new delivery id as a duplicate and acts once', async () => {
    const number = await openIssue('Replay under a new id')
    const body = JSON.stringify(await labeledPayload(c, number, ['area:frontend']))

    const first = await deliverWebhook(c, 'issues', body)
    const replay = await deliverWebhook(c, 'issues', body, { id: randomUUID() })

    expect([first.status, replay.status]).toEqual([202, 200])
    expect(await replay.json()).toMatchObject({ status: 'duplicate' })
    await expect.poll(() => labelsOnGitHub(c, number), poll).toContain('agent:frontend-engineer')
    await c.gaffer!.deliveries.idle()
    expect(await count("select count(*) from audit_log where action = 'route' and repository = $1 and target = $2", [repository(), number])).toBe(1)
  })

  it('answers 50 outsider command lines with one reply and runs a comment delivered twice once', async () => {
    const number = await openIssue('Flooded with commands')
    const commentId = await commentAs(c, 'oscar', number, Array.from({ length: 50 }, () => '/approve').join('\n'))

    const replies = (await c.maya.issues.listComments({ owner: c.owner, repo: c.repo, issue_number: number })).data.filter((comment) =>
      comment.user?.login.endsWith('[bot]'),
    )
    expect(replies).toHaveLength(1)
    expect(replies[0]!.body).toContain('only the first 10 were read and the other 40 were ignored')
    expect(replies[0]!.body).toMatch(/@oscar/)
    const audits = () => count("select count(*) from audit_log where action = '/approve' and detail @> $1", [{ comment: commentId }])
    expect(await audits()).toBe(10)

    // The same comment again, carried by a delivery with another id and another body (a new field).
    const stored = await c.db.pool.query('select event, payload from webhook_deliveries where payload @> $1', [{ comment: { id: commentId } }])
    const again = await deliverWebhook(c, 'issue_comment', JSON.stringify({ ...stored.rows[0].payload, replayed: true }))
    expect(again.status).toBe(202)
    await c.gaffer!.deliveries.idle()
    expect(await audits()).toBe(10)
    const after = (await c.maya.issues.listComments({ owner: c.owner, repo: c.repo, issue_number: number })).data
    expect(after.filter((comment) => comment.user?.login.endsWith('[bot]'))).toHaveLength(1)
  })

  it('makes a delivery that keeps failing dead after 5 attempts, shows it, and revives it on redelivery', async () => {
    const id = randomUUID()
    const body = JSON.stringify({ action: 'labeled', poison: id })
    expect((await deliverWebhook(c, 'issues', body, { id })).status).toBe(202)
    const row = async () => (await c.db.pool.query('select attempts, dead_at, error from webhook_deliveries where delivery_id = $1', [id])).rows[0]
    await c.gaffer!.deliveries.idle()
    for (let attempt = 2; attempt <= MAX_DELIVERY_ATTEMPTS + 1; attempt += 1) {
      // Skip the back-off: the retry is due now.
      await c.db.pool.query('update webhook_deliveries set locked_until = null where delivery_id = $1', [id])
      await c.gaffer!.deliveries.sweep()
      await c.gaffer!.deliveries.idle()
    }

    expect(await row()).toMatchObject({ attempts: MAX_DELIVERY_ATTEMPTS })
    expect((await row()).dead_at).not.toBeNull()
    expect((await row()).error).toBeTruthy()
    const state = await readState(c.db.pool)
    expect(state.deliveries.dead.map((dead) => dead.deliveryId)).toContain(id)

    const redelivered = await deliverWebhook(c, 'issues', body, { id })
    expect(redelivered.status).toBe(202)
    await c.gaffer!.deliveries.idle()
    expect(await row()).toMatchObject({ attempts: 1, dead_at: null })

    // The same body under another id is still a replay, dead or not.
    await c.db.pool.query('update webhook_deliveries set attempts = $2, dead_at = now() where delivery_id = $1', [id, MAX_DELIVERY_ATTEMPTS])
    expect((await deliverWebhook(c, 'issues', body, { id: randomUUID() })).status).toBe(200)
    expect(await retryDeadDelivery(c.db.pool, id)).toBe(1)
    expect(await row()).toMatchObject({ attempts: 0, dead_at: null })
  })

  it.each([
    ['null', 'null'],
    ['a string', '"str"'],
    ['an array', '[1, 2]'],
    ['nesting 10,000 deep', `{"a":${'['.repeat(10_000)}${']'.repeat(10_000)}}`],
  ])('refuses a signed body that is %s with 400', async (_, body) => {
    const response = await deliverWebhook(c, 'issues', body)

    expect(response.status).toBe(400)
  })

  it('refuses a 30 MB unsigned body from its Content-Length before reading it', async () => {
    const declared = 30 * 1024 * 1024
    let sent = 0
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(url(), {
        method: 'POST',
        headers: { 'content-length': declared, 'x-github-event': 'issues', 'x-github-delivery': randomUUID(), 'x-hub-signature-256': 'sha256=00' },
      })
      req.on('response', (res) => {
        res.resume()
        resolve(res.statusCode ?? 0)
        req.destroy()
      })
      req.on('error', (error) => (sent < declared ? undefined : reject(error)))
      const chunk = Buffer.alloc(1024, 'a')
      req.write(chunk)
      sent += chunk.length
      // Nothing more is sent: the answer must come from the headers alone.
    })

    expect(status).toBe(413)
    expect(sent).toBe(1024)
  })

  it('keeps 8 stalled senders on one address from holding up a signed delivery, and cuts them at the deadline', async () => {
    // Another loopback address (Linux routes all of 127/8 to lo) stands in for a sender that is not GitHub.
    const stalled = Array.from({ length: 8 }, () => {
      const req = request(url(), {
        method: 'POST',
        localAddress: '127.0.0.2',
        headers: { 'content-length': 1000, 'x-github-event': 'issues', 'x-github-delivery': randomUUID(), 'x-hub-signature-256': 'sha256=00' },
      })
      const ended = new Promise<string>((resolve) => {
        req.on('response', (res) => {
          res.resume()
          resolve(String(res.statusCode))
        })
        req.on('error', () => resolve('cut'))
      })
      req.write('{')
      return ended
    })
    const answered: string[] = []
    stalled.forEach((ended) => void ended.then((end) => answered.push(end)))

    // Two bodies per address are read; the other six are asked to retry at once.
    await expect.poll(() => answered.filter((end) => end === '503').length, { timeout: 5_000, interval: 50 }).toBe(6)
    const ping = await deliverWebhook(c, 'ping', JSON.stringify({ zen: randomUUID(), hook_id: 1 }))

    expect(ping.status).toBe(202)
    // The two being read are cut once the (test's short) deadline passes.
    expect((await Promise.all(stalled)).sort()).toEqual([...Array(6).fill('503'), 'cut', 'cut'])
  })
})
