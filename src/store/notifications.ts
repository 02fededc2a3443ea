import type { NotificationSelection } from '../config/notify-channels.ts'
import type { NotificationPayload } from '../notify/notification-message.ts'
import { withTransaction, type Pool, type Queryable } from './pool.ts'

/**
 * Records that an item reached `needs-human` or `needs-approval`, keyed by the item and
 * the moment its status last changed (`status_changed_at`, set by the one status writer):
 * the same move recorded twice is one event, the item coming back to it later is another.
 * The title and kind are the mirror's, read in the same statement.
 */
export async function recordItemNotification(
  pool: Queryable,
  event: 'needs-human' | 'needs-approval',
  item: { repository: string; number: number },
  selection: NotificationSelection,
): Promise<boolean> {
  const result = await pool.query(
    `insert into notification_events (event_key, event, repository, payload, selection)
     select $3 || ':' || w.repository || '#' || w.number || ':' || coalesce(to_char(w.status_changed_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'), 'never'),
       $3, w.repository, jsonb_build_object('event', $3::text, 'repository', w.repository, 'number', w.number, 'kind', w.kind, 'title', w.title), $4
     from work_items w where w.repository = $1 and w.number = $2
     on conflict (event_key) do nothing`,
    [item.repository, item.number, event, JSON.stringify(selection)],
  )
  return result.rowCount === 1
}

/** Records an event under the caller's key; a key already recorded changes nothing (false). */
export async function recordNotification(
  pool: Queryable,
  event: { key: string; repository: string | null; payload: NotificationPayload },
  selection: NotificationSelection,
): Promise<boolean> {
  const result = await pool.query(
    `insert into notification_events (event_key, event, repository, payload, selection) values ($1, $2, $3, $4, $5)
     on conflict (event_key) do nothing`,
    [event.key, event.payload.event, event.repository, JSON.stringify(event.payload), JSON.stringify(selection)],
  )
  return result.rowCount === 1
}

/** A recorded event not fanned out yet; `stale` when it was recorded more than `staleMs` ago (by the database's clock). */
export type RecordedEvent = { id: number; event: string; repository: string | null; selection: NotificationSelection; stale: boolean }

/**
 * Turns recorded events into one send per channel. The events are locked (skipping those
 * another replica is fanning out) and marked in the same transaction, so each is fanned out
 * once; `channelsOf` says where each goes.
 */
export async function fanOutNotifications(pool: Pool, channelsOf: (event: RecordedEvent) => string[], staleMs: number, limit = 100): Promise<number> {
  // Nearly always nothing is waiting: one plain read on every replica every round, no transaction.
  const waiting = await pool.query(`select 1 from notification_events where fanned_out_at is null limit 1`)
  if (waiting.rowCount === 0) return 0
  return withTransaction(pool, async (client) => {
    const { rows } = await client.query<RecordedEvent>(
      `select id, event, repository, selection, created_at < now() - make_interval(secs => $2::float8 / 1000) as stale
       from notification_events where fanned_out_at is null order by id limit $1 for update skip locked`,
      [limit, staleMs],
    )
    if (rows.length === 0) return 0
    const ids: number[] = []
    const channels: string[] = []
    for (const row of rows) {
      for (const channel of channelsOf(row)) {
        ids.push(row.id)
        channels.push(channel)
      }
    }
    await client.query(
      `insert into notification_sends (event_id, channel) select * from unnest($1::bigint[], $2::text[]) on conflict (event_id, channel) do nothing`,
      [ids, channels],
    )
    await client.query(`update notification_events set fanned_out_at = now() where id = any($1::bigint[])`, [rows.map((row) => row.id)])
    return channels.length
  })
}

export type DueSend = {
  id: number
  channel: string
  attempts: number
  eventId: number
  eventKey: string
  payload: NotificationPayload
  createdAt: Date
}

/**
 * Leases sends that are due: one statement takes each row for one replica (`skip locked`),
 * counts the attempt and holds it for `leaseMs`, longer than a send may take, so no other
 * replica sends it meanwhile. A replica that dies mid-send leaves its rows to lapse and be
 * sent again: only what was in flight is sent twice.
 */
export async function takeDueSends(pool: Pool, limit: number, leaseMs: number): Promise<DueSend[]> {
  const { rows } = await pool.query<DueSend>(
    `with due as (
       select id from notification_sends
       where sent_at is null and gave_up_at is null and next_attempt_at <= now() and (leased_until is null or leased_until < now())
       order by next_attempt_at, id limit $1 for update skip locked
     )
     update notification_sends s set attempts = s.attempts + 1, leased_until = now() + make_interval(secs => $2::float8 / 1000)
     from due, notification_events e
     where s.id = due.id and e.id = s.event_id
     returning s.id, s.channel, s.attempts, e.id as "eventId", e.event_key as "eventKey", e.payload, e.created_at as "createdAt"`,
    [limit, leaseMs],
  )
  return rows
}

export async function markSendSent(pool: Pool, id: number): Promise<void> {
  await pool.query(`update notification_sends set sent_at = now(), leased_until = null where id = $1`, [id])
}

/** A failed send: tried again after `retryInMs`, or given up (undefined). */
export async function markSendFailed(pool: Pool, id: number, error: string, retryInMs: number | undefined): Promise<void> {
  await pool.query(
    `update notification_sends set last_error = $2, leased_until = null,
       next_attempt_at = case when $3::float8 is null then next_attempt_at else now() + make_interval(secs => $3::float8 / 1000) end,
       gave_up_at = case when $3::float8 is null then now() end
     where id = $1`,
    [id, error.slice(0, 500), retryInMs ?? null],
  )
}

export type NotificationFailure = {
  id: number
  event: string
  repository: string | null
  channel: string
  attempts: number
  lastError: string
  nextAttemptAt: Date | null
  gaveUpAt: Date | null
  createdAt: Date
}

/** Failures visible in the state API: sends not delivered whose last attempt failed, newest first. */
export async function listNotificationFailures(pool: Pool, limit = 50): Promise<NotificationFailure[]> {
  const { rows } = await pool.query<NotificationFailure>(
    `select s.id, e.event, e.repository, s.channel, s.attempts, s.last_error as "lastError",
       case when s.gave_up_at is null then s.next_attempt_at end as "nextAttemptAt", s.gave_up_at as "gaveUpAt", e.created_at as "createdAt"
     from notification_sends s join notification_events e on e.id = s.event_id
     where s.sent_at is null and s.last_error is not null
     order by s.id desc limit $1`,
    [limit],
  )
  return rows
}

/** Sends waiting to go out (due now or later), and those sent in the last day. */
export async function countNotifications(pool: Pool): Promise<{ pending: number; sentLastDay: number }> {
  const { rows } = await pool.query<{ pending: number; sentLastDay: number }>(
    `select count(*) filter (where sent_at is null and gave_up_at is null)::int as pending,
       count(*) filter (where sent_at > now() - interval '1 day')::int as "sentLastDay"
     from notification_sends`,
  )
  return rows[0] ?? { pending: 0, sentLastDay: 0 }
}

/** Forgets events older than `days` whose sends are all finished (sent or given up). */
export async function pruneNotifications(pool: Pool, days: number): Promise<number> {
  const result = await pool.query(
    `delete from notification_events e where e.created_at < now() - make_interval(days => $1::int)
       and not exists (select 1 from notification_sends s where s.event_id = e.id and s.sent_at is null and s.gave_up_at is null)`,
    [days],
  )
  return result.rowCount ?? 0
}
