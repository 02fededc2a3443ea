import { createHash, randomUUID } from 'node:crypto'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { Probot } from 'probot'
import { describe, expect, it } from 'vitest'
import { createLogger } from '../src/log.ts'
import { listSpool, spoolDelivery } from '../src/store/delivery-spool.ts'
import { recordComment, recordCommentDeleted } from '../src/store/item-comments.ts'
import { takeReply } from '../src/store/reply-counts.ts'
import { pruneOldRecords } from '../src/store/retention.ts'
import { listDeadDeliveries, MAX_DELIVERY_ATTEMPTS, recordDeliveries, recordDelivery, retryDeadDelivery } from '../src/store/webhook-deliveries.ts'
import { deleteWorkItem } from '../src/store/work-items.ts'
import { createDeliveryProcessor } from '../src/web/delivery-processor.ts'
import { useMigratedDatabase } from './helpers/database.ts'

const log = createLogger('silent')

describe('webhook records (real Postgres)', () => {
  const db = useMigratedDatabase()

  async function record(body: object, leaseSeconds: number) {
    const text = JSON.stringify(body)
    const delivery = {
      deliveryId: randomUUID(),
      payloadSha256: createHash('sha256').update(text).digest('hex'),
      event: 'issues',
      payload: body,
      attempts: 1,
    }
    expect(await recordDelivery(db.pool, { ...delivery, action: 'opened' }, leaseSeconds)).toBe('new')
    return delivery
  }

  it('renews the lease of a slow delivery so the sweep never runs it a second time', async () => {
    let runs = 0
    let finish = () => {}
    const finished = new Promise<void>((resolve) => (finish = resolve))
    const probot = {
      receive: async () => {
        runs += 1
        await finished
      },
    } as unknown as Probot
    const processor = createDeliveryProcessor({ probot, pool: db.pool, log, leaseSeconds: 2 })
    const delivery = await record({ action: 'opened', slow: randomUUID() }, 2)

    processor.process(delivery)
    // Sweep until the first lease (2 s) has lapsed twice over; renewal keeps it held.
    const deadline = (await db.pool.query<{ at: Date }>("select now() + interval '4 seconds' as at")).rows[0]!.at
    while ((await db.pool.query<{ past: boolean }>('select now() > $1 as past', [deadline])).rows[0]!.past === false) {
      await processor.sweep()
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
    finish()
    await processor.idle()

    expect(runs).toBe(1)
    const row = await db.pool.query('select attempts, processed_at from webhook_deliveries where payload_sha256 = $1', [delivery.payloadSha256])
    expect(row.rows[0].attempts).toBe(1)
    expect(row.rows[0].processed_at).not.toBeNull()
  })

  it('moves a spooled body the database refuses to spool/failed/, replays the others, and still leases pending deliveries', async () => {
    const spoolDir = await mkdtemp(path.join(tmpdir(), 'gaffer-spool-'))
    const received: string[] = []
    const probot = { receive: async (event: { id: string }) => void received.push(event.id) } as unknown as Probot
    const processor = createDeliveryProcessor({ probot, pool: db.pool, log, spoolDir })
    const poisoned = { deliveryId: randomUUID(), event: 'issues', body: JSON.stringify({ action: 'opened', title: 'nul \u0000' }) }
    const good = { deliveryId: randomUUID(), event: 'issues', body: JSON.stringify({ action: 'opened', spooled: randomUUID() }) }
    const poisonedFile = await spoolDelivery(spoolDir, poisoned)
    await spoolDelivery(spoolDir, good)
    // Recorded earlier with a lease that has already lapsed: the sweep must lease it.
    const pending = await record({ action: 'opened', pending: randomUUID() }, 0)

    await processor.sweep()
    await processor.idle()

    expect(received.sort()).toEqual([good.deliveryId, pending.deliveryId].sort())
    expect(await listSpool(spoolDir)).toEqual([])
    expect(await readdir(path.join(spoolDir, 'failed'))).toEqual([poisonedFile])
    await rm(spoolDir, { recursive: true, force: true })
  })

  it('makes a delivery dead when its last attempt never finished, so it is listed and can be retried', async () => {
    const probot = { receive: async () => {} } as unknown as Probot
    const processor = createDeliveryProcessor({ probot, pool: db.pool, log })
    const crashed = await record({ action: 'opened', crashed: randomUUID() }, 60)
    const running = await record({ action: 'opened', running: randomUUID() }, 60)
    // The replica took the last attempt and stopped during it; the other one is still at it.
    await db.pool.query(`update webhook_deliveries set attempts = $2, locked_until = now() - interval '1 second' where payload_sha256 = $1`, [
      crashed.payloadSha256,
      MAX_DELIVERY_ATTEMPTS,
    ])
    await db.pool.query('update webhook_deliveries set attempts = $2 where payload_sha256 = $1', [running.payloadSha256, MAX_DELIVERY_ATTEMPTS])

    await processor.sweep()
    await processor.idle()

    const dead = await listDeadDeliveries(db.pool)
    expect(dead.find((row) => row.deliveryId === crashed.deliveryId)).toMatchObject({ error: expect.stringContaining('never finished') })
    expect(dead.find((row) => row.deliveryId === running.deliveryId)).toBeUndefined()
    expect(await retryDeadDelivery(db.pool, crashed.deliveryId)).toBe(1)
  })

  it('prunes records past their retention and keeps newer and unfinished ones', async () => {
    const old = await record({ action: 'opened', old: randomUUID() }, 0)
    const oldUnfinished = await record({ action: 'opened', oldUnfinished: randomUUID() }, 0)
    const fresh = await record({ action: 'opened', fresh: randomUUID() }, 0)
    await db.pool.query("update webhook_deliveries set received_at = now() - interval '15 days' where payload_sha256 = any($1)", [
      [old.payloadSha256, oldUnfinished.payloadSha256],
    ])
    await db.pool.query('update webhook_deliveries set processed_at = now() where payload_sha256 = any($1)', [
      [old.payloadSha256, fresh.payloadSha256],
    ])
    await db.pool.query(
      `insert into heartbeat_runs (repository, agent, fire_key, started_at, finished_at) values
       ('o/r', 'a', 'old', now() - interval '31 days', now() - interval '31 days'),
       ('o/r', 'a', 'open', now() - interval '31 days', null),
       ('o/r', 'a', 'new', now() - interval '29 days', now())`,
    )
    await db.pool.query(
      `insert into audit_log (actor, action, outcome, at) values
       ('old', 'x', 'y', now() - interval '366 days'), ('new', 'x', 'y', now() - interval '364 days')`,
    )

    await db.pool.query(
      `insert into cli_transcripts (run_id, repository, number, agent, runtime, adapter, transcript, started_at, finished_at) values
       (1, 'o/r', 1, 'a', 'codex', 'codex', 'old', now() - interval '31 days', now() - interval '31 days'),
       (2, 'o/r', 2, 'a', 'codex', 'codex', 'running', now() - interval '31 days', null),
       (3, 'o/r', 3, 'a', 'codex', 'codex', 'new', now() - interval '29 days', now())`,
    )

    // Quota rows an asker left when its replica stopped, beside a waiter still waiting.
    await db.pool.query(
      `insert into quota_waiters (bucket, waiter, rank, expires_at) values
       ('github:1:primary', 'gone', 1, now() - interval '2 hours'), ('github:1:primary', 'waiting', 1, now() + interval '3 seconds')`,
    )
    await db.pool.query("insert into quota_holds (bucket, holder, expires_at) values ('model:idle:concurrent', 'gone', now() - interval '2 hours')")

    const pruned = await pruneOldRecords(db.pool, { deliveriesDays: 14, runsDays: 30, auditDays: 365 })

    expect(pruned).toMatchObject({ deliveries: 1, runs: 1, transcripts: 1, audit: 1, quotaRows: 2 })
    expect((await db.pool.query('select waiter from quota_waiters')).rows.map((row) => row.waiter)).toEqual(['waiting'])
    expect((await db.pool.query('select holder from quota_holds')).rows).toEqual([])
    expect((await db.pool.query('select transcript from cli_transcripts order by transcript')).rows.map((row) => row.transcript)).toEqual([
      'new',
      'running',
    ])
    const deliveries = await db.pool.query('select payload_sha256 from webhook_deliveries where payload_sha256 = any($1)', [
      [old.payloadSha256, oldUnfinished.payloadSha256, fresh.payloadSha256],
    ])
    expect(deliveries.rows.map((row) => row.payload_sha256).sort()).toEqual([oldUnfinished.payloadSha256, fresh.payloadSha256].sort())
    expect((await db.pool.query('select fire_key from heartbeat_runs order by fire_key')).rows.map((row) => row.fire_key)).toEqual(['new', 'open'])
    expect((await db.pool.query('select actor from audit_log')).rows.map((row) => row.actor)).toEqual(['new'])
  })

  it("keeps a deleted comment's tombstone as long as the deliveries, never brought back meanwhile, and an item's comments go with the item", async () => {
    const repository = `o/comments-${randomUUID()}`
    await db.pool.query('insert into repositories (full_name, installation_id) values ($1, 1)', [repository])
    await db.pool.query(
      "insert into work_items (repository, number, kind, title, state) values ($1, 1, 'issue', 'one', 'open'), ($1, 2, 'issue', 'two', 'open')",
      [repository],
    )
    const comment = (id: number, body: string) => ({ id, body, user: { login: 'maya', type: 'User' }, updated_at: '2026-01-01T00:00:00Z' })
    const one = { repository, number: 1 }
    for (const [id, body] of [
      [1, 'kept'],
      [2, 'deleted long ago'],
      [3, 'deleted today'],
    ] as const)
      await recordComment(db.pool, one, comment(id, body))
    await recordComment(db.pool, { repository, number: 2 }, comment(4, 'on the other item'))
    await recordCommentDeleted(db.pool, one, 2)
    await recordCommentDeleted(db.pool, one, 3)
    // A webhook of the comment still in flight when it was deleted.
    await recordComment(db.pool, one, { ...comment(3, 'deleted today'), updated_at: '2026-01-02T00:00:00Z' })
    await db.pool.query("update item_comments set deleted_at = now() - interval '15 days' where repository = $1 and id = 2", [repository])
    const comments = async () =>
      (await db.pool.query('select id, body, deleted_at is not null as deleted from item_comments where repository = $1 order by id', [repository]))
        .rows

    expect(await pruneOldRecords(db.pool, { deliveriesDays: 14, runsDays: 30, auditDays: 365 })).toMatchObject({ commentTombstones: 1 })
    expect(await comments()).toEqual([
      { id: 1, body: 'kept', deleted: false },
      { id: 3, body: '', deleted: true },
      { id: 4, body: 'on the other item', deleted: false },
    ])
    await deleteWorkItem(db.pool, repository, 2)
    expect((await comments()).map((row) => row.id)).toEqual([1, 3])
  })

  it('gives one author a fixed number of replies per minute, shared through the database', async () => {
    const login = `author-${randomUUID()}`
    const taken = await Promise.all(Array.from({ length: 8 }, () => takeReply(db.pool, 'o/r', login, 3)))

    expect(taken.filter(Boolean)).toHaveLength(3)
    expect(await takeReply(db.pool, 'o/r', `other-${login}`, 3)).toBe(true)
  })

  it('records a batch in one statement: a body twice is recorded once, and only a body the database refuses fails', async () => {
    const delivery = (text: string) => ({
      deliveryId: randomUUID(),
      payloadSha256: createHash('sha256').update(text).digest('hex'),
      event: 'issues',
      action: 'edited',
      payload: JSON.parse(text) as unknown,
      body: text,
    })
    const good = delivery(JSON.stringify({ action: 'edited', n: randomUUID() }))
    const again = { ...good, deliveryId: randomUUID() }
    const poisoned = delivery(JSON.stringify({ action: 'edited', title: `nul \u0000 ${randomUUID()}` }))
    const other = delivery(JSON.stringify({ action: 'edited', n: randomUUID() }))

    const firstBatch = await recordDeliveries(db.pool, [good, again], 60)
    expect(firstBatch).toEqual([
      { status: 'fulfilled', value: 'new' },
      { status: 'fulfilled', value: 'duplicate' },
    ])
    const outcomes = await recordDeliveries(db.pool, [good, poisoned, other], 60)

    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
    expect(outcomes[0]).toEqual({ status: 'fulfilled', value: 'duplicate' })
    expect(outcomes[2]).toEqual({ status: 'fulfilled', value: 'new' })
    const stored = await db.pool.query<{ payload: unknown }>('select payload from webhook_deliveries where payload_sha256 = $1', [
      other.payloadSha256,
    ])
    expect(stored.rows[0]?.payload).toEqual(other.payload)
  })
})
