import { createHmac, randomUUID } from 'node:crypto'
import type { Octokit } from '@octokit/rest'
import type { EmulatedGitHub } from '../src/sandbox/emulated-github.ts'
import type { EmbeddedDatabase } from '../src/store/embedded-postgres.ts'
import type { Pool } from '../src/store/pool.ts'
import { WEBHOOK_PATH } from '../src/web/http-server.ts'

/** One figure of the chaos table: what was measured, beside the goal and the figure issue 12 found before the fixes. */
export type ChaosRow = { fault: string; measure: string; gaffer: string; goal: string; before: string; met: boolean }

/** What every fault scenario drives: the app's port, the emulated GitHub, a maintainer and an outsider, and the database. */
export type ChaosWorld = {
  github: EmulatedGitHub
  port: number
  owner: string
  repo: string
  maya: Octokit
  oscar: Octokit
  pool: Pool
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Polls `read` until `done` holds or `timeoutMs` passes; returns the last value read. */
export async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number, intervalMs = 200): Promise<T> {
  const deadline = performance.now() + timeoutMs
  let value = await read()
  while (!done(value) && performance.now() < deadline) {
    await sleep(intervalMs)
    value = await read().catch(() => value)
  }
  return value
}

export async function count(pool: Pool, sql: string, params: unknown[]): Promise<number> {
  return Number((await pool.query<{ count: string }>(sql, params)).rows[0]?.count ?? 0)
}

/** Posts `body` to the app as GitHub would: signed with the app's webhook secret, under `deliveryId`. */
export async function deliver(
  world: ChaosWorld,
  event: string,
  body: string,
  deliveryId = randomUUID(),
): Promise<{ status: number; answer: string }> {
  const signature = `sha256=${createHmac('sha256', world.github.app.webhookSecret).update(body).digest('hex')}`
  const response = await fetch(`http://127.0.0.1:${world.port}${WEBHOOK_PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-github-event': event, 'x-github-delivery': deliveryId, 'x-hub-signature-256': signature },
    body,
  })
  const text = await response.text()
  let answer = text
  try {
    answer = String((JSON.parse(text) as { status?: string }).status ?? text)
  } catch {
    // Not JSON: the text itself is the answer.
  }
  return { status: response.status, answer }
}

/** Opens an issue as the maintainer and waits until the app has mirrored it. */
export async function openIssue(world: ChaosWorld, title: string, labels: string[] = []): Promise<number> {
  const { owner, repo } = world
  const { data } = await world.maya.issues.create({ owner, repo, title, labels, body: 'details' })
  const mirrored = await waitFor(
    () => count(world.pool, 'select count(*) from work_items where repository = $1 and number = $2', [world.github.repository, data.number]),
    (n) => n === 1,
    20_000,
  )
  if (mirrored !== 1) throw new Error(`the app never mirrored #${data.number}; is the app process listening on port ${world.port}?`)
  return data.number
}

/** A signed-able `issues.labeled` body for `number`, as GitHub sends it; `nonce` makes each body distinct. */
export async function labeledBody(world: ChaosWorld, number: number, label: string, nonce: string): Promise<string> {
  const { owner, repo } = world
  const { data: issue } = await world.maya.issues.get({ owner, repo, issue_number: number })
  const { data: repository } = await world.maya.repos.get({ owner, repo })
  return JSON.stringify({
    action: 'labeled',
    issue: { ...issue, labels: [{ name: label }] },
    label: { name: label },
    repository,
    sender: { login: world.github.maintainer.login, type: 'User' },
    installation: { id: world.github.app.installationId },
    chaos: nonce,
  })
}

const processedCount = (pool: Pool, ids: string[]) =>
  count(pool, 'select count(*) from webhook_deliveries where delivery_id = any($1) and processed_at is not null', [ids])

/** 1. Captured signed bodies resent under new delivery ids. */
export async function replays(world: ChaosWorld, n: number): Promise<ChaosRow[]> {
  const bodies: string[] = []
  for (let i = 0; i < n; i += 1) {
    const number = await openIssue(world, `Replayed ${i + 1}`)
    bodies.push(await labeledBody(world, number, 'area:frontend', randomUUID()))
  }
  const firstIds = bodies.map(() => randomUUID())
  for (const [i, body] of bodies.entries()) await deliver(world, 'issues', body, firstIds[i])
  await waitFor(
    () => processedCount(world.pool, firstIds),
    (done) => done === n,
    30_000,
  )

  const replayIds = bodies.map(() => randomUUID())
  const answers = []
  for (const [i, body] of bodies.entries()) answers.push(await deliver(world, 'issues', body, replayIds[i]))
  await sleep(1_000)
  const recorded = await count(world.pool, 'select count(*) from webhook_deliveries where delivery_id = any($1)', [replayIds])
  const again = answers.filter((answer) => answer.answer !== 'duplicate').length + recorded
  return [
    {
      fault: '1. replays',
      measure: 'signed bodies resent with a new delivery id, processed again',
      gaffer: `${again} of ${n}`,
      goal: `0 of ${n}`,
      before: '3 of 3',
      met: again === 0,
    },
  ]
}

/** 2. Postgres stopped for `outageMs` while `m` signed deliveries arrive, then started again on its port. */
export async function databaseOutage(
  world: ChaosWorld,
  database: { current: EmbeddedDatabase; restart: () => Promise<EmbeddedDatabase> },
  m: number,
  outageMs: number,
): Promise<ChaosRow[]> {
  const number = await openIssue(world, 'Labelled during an outage')
  const bodies = await Promise.all(Array.from({ length: m }, (_, i) => labeledBody(world, number, 'area:backend', `outage ${i} ${randomUUID()}`)))
  const ids = bodies.map(() => randomUUID())

  await database.current.stop()
  const stoppedAt = performance.now()
  const answers = []
  for (const [i, body] of bodies.entries()) {
    answers.push(await deliver(world, 'issues', body, ids[i]).catch((error: unknown) => ({ status: 0, answer: (error as Error).message })))
    await sleep(outageMs / m)
  }
  await sleep(Math.max(0, outageMs - (performance.now() - stoppedAt)))
  database.current = await database.restart()
  const backAt = performance.now()
  const processed = await waitFor(
    () => processedCount(world.pool, ids),
    (done) => done === m,
    60_000,
  )
  const seconds = (performance.now() - backAt) / 1000
  const refused = answers.filter((answer) => answer.status >= 500 || answer.status === 0).length
  return [
    {
      fault: '2. database outage',
      measure: `deliveries lost (${m} sent during ${(outageMs / 1000).toFixed(0)} s without Postgres)`,
      gaffer: `${m - processed} of ${m}`,
      goal: `0 of ${m}`,
      before: '22 of 22',
      met: processed === m,
    },
    {
      fault: '',
      measure: 'answered with an error while it was away',
      gaffer: `${refused} of ${m} (${answers.filter((answer) => answer.answer === 'spooled').length} spooled)`,
      goal: `0 of ${m}`,
      before: '22 of 22 (500)',
      met: refused === 0,
    },
    {
      fault: '',
      measure: 'seconds after it came back until all were processed',
      gaffer: processed === m ? seconds.toFixed(1) : `not all after ${seconds.toFixed(0)}`,
      goal: '≤ 60',
      before: 'never',
      met: processed === m,
    },
  ]
}

/** The audit rows of `/approve` decisions taken on one comment: one per command that ran. */
const approvals = (pool: Pool, commentId: number) =>
  count(pool, "select count(*) from audit_log where action = '/approve' and detail @> $1", [JSON.stringify({ comment: commentId })])

/** Waits until the delivery that carries `commentId` has been processed. */
async function commentProcessed(world: ChaosWorld, commentId: number, timeoutMs: number): Promise<boolean> {
  const done = await waitFor(
    () =>
      count(world.pool, 'select count(*) from webhook_deliveries where processed_at is not null and payload @> $1', [
        JSON.stringify({ comment: { id: commentId } }),
      ]),
    (n) => n >= 1,
    timeoutMs,
  )
  return done >= 1
}

/**
 * 4. Commands that could run twice: one comment delivered again under a new id and
 * another body, one delivery held in flight past its lease while the sweep runs, and an
 * outsider's comment of 50 command lines. `holdNextRequestTo` makes the app's next
 * GitHub request about an issue wait, and resolves with how long it held it (0: none came).
 */
export async function commandsTwice(
  world: ChaosWorld,
  options: { holdNextRequestTo: (number: number) => Promise<number>; deliveryLeaseSeconds: number },
): Promise<ChaosRow[]> {
  const { owner, repo } = world

  // The same comment carried by a second delivery: a new id and a body with one more field.
  const twice = await openIssue(world, 'Approved twice')
  const { data: comment } = await world.maya.issues.createComment({ owner, repo, issue_number: twice, body: '/approve' })
  await commentProcessed(world, comment.id, 20_000)
  const stored = await world.pool.query<{ event: string; payload: Record<string, unknown> }>(
    'select event, payload from webhook_deliveries where payload @> $1 limit 1',
    [JSON.stringify({ comment: { id: comment.id } })],
  )
  const again = stored.rows[0]
  if (!again) throw new Error(`the delivery of comment ${comment.id} was never recorded`)
  const resent = await deliver(world, again.event, JSON.stringify({ ...again.payload, redelivered: randomUUID() }))
  await sleep(2_000)
  const twiceRuns = await approvals(world.pool, comment.id)

  // A delivery held in flight for three of its leases while the sweep runs every half second.
  const slow = await openIssue(world, 'Approved slowly')
  const held = options.holdNextRequestTo(slow)
  const { data: slowComment } = await world.maya.issues.createComment({ owner, repo, issue_number: slow, body: '/approve' })
  const heldMs = await held
  await commentProcessed(world, slowComment.id, 30_000)
  await sleep(2_000)
  const slowRuns = await approvals(world.pool, slowComment.id)
  const slowAttempts = await count(world.pool, 'select coalesce(max(attempts), 0) as count from webhook_deliveries where payload @> $1', [
    JSON.stringify({ comment: { id: slowComment.id } }),
  ])

  // An outsider's comment of 50 command lines.
  const flooded = await openIssue(world, 'Flooded with commands')
  const { data: flood } = await world.oscar.issues.createComment({
    owner,
    repo,
    issue_number: flooded,
    body: Array.from({ length: 50 }, () => '/approve').join('\n'),
  })
  await commentProcessed(world, flood.id, 30_000)
  await sleep(2_000)
  const { data: comments } = await world.maya.issues.listComments({ owner, repo, issue_number: flooded, per_page: 100 })
  const replies = comments.filter((reply) => reply.user?.login.endsWith('[bot]')).length

  const extra = Math.max(0, twiceRuns - 1) + Math.max(0, slowRuns - 1)
  return [
    {
      fault: '4. commands twice',
      measure: '/approve run again: one comment delivered twice (new id, new body), one held past its lease',
      gaffer: `${extra} (${twiceRuns} + ${slowRuns} runs; resend answered ${resent.status})`,
      goal: '0 (1 + 1 runs)',
      before: '50 /approve lines → 116 audit rows',
      met: twiceRuns === 1 && slowRuns === 1,
    },
    {
      fault: '',
      measure: `slow delivery: held in flight, attempts recorded`,
      gaffer: heldMs > 0 ? `${(heldMs / 1000).toFixed(1)} s held, ${slowAttempts} attempt(s)` : 'not held (no request to hold)',
      goal: `> ${options.deliveryLeaseSeconds} s held, 1 attempt`,
      before: 'up to 5 runs',
      met: heldMs > options.deliveryLeaseSeconds * 1000 && slowAttempts === 1,
    },
    {
      fault: '',
      measure: "replies to an outsider's comment of 50 command lines",
      gaffer: String(replies),
      goal: '1',
      before: '203 refusals for 2 comments',
      met: replies === 1,
    },
  ]
}
