import type { Queryable } from './pool.ts'

export type BucketKind = 'reported' | 'window' | 'concurrent'

/**
 * One bucket an ask spends from, and how much: its limit travels with every ask, so the
 * first ask creates the row. `pendingMs` (window buckets): the spend counts as made this
 * long after the ask until `settleQuotaSpends` stamps it with its answer's time.
 */
export type BucketSpend = { key: string; kind: BucketKind; capacity: number; windowMs: number; cost: number; pendingMs?: number }

export type TakeAnswer = { granted: true } | { granted: false; short: string[]; retryAt: Date | undefined }

/**
 * Spends from every bucket of `specs` or from none (migration 018's `quota_take`, one
 * round trip). Refused when a bucket is paused, held for a better-ranked waiter, or would
 * fall below `reserve` (a share of its capacity); the asker is then registered as a
 * waiter on the buckets that refused it, for `waiterMs`. `holdMs`: how long a hold on a
 * concurrent bucket lasts unless released.
 */
export async function takeQuota(
  db: Queryable,
  ask: { specs: readonly BucketSpend[]; waiter: string; rank: number; reserve: number; holdMs: number; waiterMs: number },
): Promise<TakeAnswer> {
  const { rows } = await db.query<{ granted: boolean; short: string[]; retry_at: Date | null }>(
    'select * from quota_take($1::jsonb, $2, $3, $4, $5, $6)',
    [JSON.stringify(ask.specs), ask.waiter, ask.rank, ask.reserve, Math.round(ask.holdMs), Math.round(ask.waiterMs)],
  )
  const row = rows[0]!
  return row.granted ? { granted: true } : { granted: false, short: row.short, retryAt: row.retry_at ?? undefined }
}

/** Gives back a concurrent hold before it expires. */
export async function releaseQuotaHold(db: Queryable, bucket: string, holder: string): Promise<void> {
  await db.query('delete from quota_holds where bucket = $1 and holder = $2', [bucket, holder])
}

/** Stops waiting for quota (the waiter gave up): better-ranked rows it left must not hold others back. */
export async function dropQuotaWaiter(db: Queryable, waiter: string): Promise<void> {
  await db.query('delete from quota_waiters where waiter = $1', [waiter])
}

/**
 * Settles what a granted ask spent of its window buckets once its request was answered
 * (migration 021): `sent`, it counts from now, when the server had it at the latest; not
 * sent (refused for a limit, nothing done), it is given back.
 */
export async function settleQuotaSpends(db: Queryable, holder: string, sent: boolean): Promise<void> {
  await db.query(sent ? 'update quota_spends set at = clock_timestamp() where holder = $1' : 'delete from quota_spends where holder = $1', [holder])
}

/** Records spending learned after the fact (a model call's tokens beyond its estimate; negative gives back). */
export async function recordQuotaSpend(db: Queryable, bucket: string, cost: number): Promise<void> {
  await db.query(
    'insert into quota_spends (bucket, at, cost) select $1, clock_timestamp(), $2 where exists (select 1 from quota_buckets where key = $1)',
    [bucket, cost],
  )
}

/** Pauses buckets for every replica until `until` (never shortens a longer pause). */
export async function pauseQuota(db: Queryable, specs: readonly Omit<BucketSpend, 'cost'>[], until: Date, reason: string): Promise<void> {
  await db.query(
    `insert into quota_buckets (key, kind, capacity, window_ms, paused_until, pause_reason)
     select s.key, s.kind, s.capacity, s."windowMs", $2, $3 from jsonb_to_recordset($1::jsonb) as s(key text, kind text, capacity float8, "windowMs" int)
     on conflict (key) do update set
       pause_reason = case when quota_buckets.paused_until >= excluded.paused_until then quota_buckets.pause_reason else excluded.pause_reason end,
       paused_until = greatest(quota_buckets.paused_until, excluded.paused_until)`,
    [JSON.stringify(specs), until, reason],
  )
}

/**
 * GitHub's primary limit as an answer's headers reported it. A new window (another reset
 * time) replaces what the bucket held; within one window the lower count wins, since
 * answers from several replicas arrive out of order.
 */
export async function observeReportedQuota(
  db: Queryable,
  key: string,
  report: { limit: number; remaining: number; resetAt: Date; windowMs: number },
): Promise<void> {
  await db.query(
    `insert into quota_buckets (key, kind, capacity, window_ms, remaining, reset_at) values ($1, 'reported', $2, $5, $3, $4)
     on conflict (key) do update set
       capacity = excluded.capacity,
       remaining = case when quota_buckets.reset_at is distinct from excluded.reset_at then excluded.remaining
                        else least(quota_buckets.remaining, excluded.remaining) end,
       reset_at = excluded.reset_at`,
    [key, report.limit, report.remaining, report.resetAt, Math.round(report.windowMs)],
  )
}

export type QuotaBucketRow = {
  key: string
  kind: BucketKind
  capacity: number
  remaining: number
  paused_until: Date | null
  pause_reason: string | null
  waiting: number
  spent: number
  waits: number
}

/** Every bucket with what is left of it now, and the work waiting for it on all replicas (the state API, /metrics). */
export async function listQuotaBuckets(db: Queryable): Promise<QuotaBucketRow[]> {
  const { rows } = await db.query<QuotaBucketRow>(
    `select b.key, b.kind, b.capacity,
       case b.kind
         when 'reported' then case when b.reset_at is null or b.reset_at <= now() then b.capacity else b.remaining end
         when 'window' then b.capacity - coalesce((select sum(s.cost) from quota_spends s
                                                  where s.bucket = b.key and s.at > now() - make_interval(secs => b.window_ms / 1000.0)), 0)
         else b.capacity - (select count(*) from quota_holds h where h.bucket = b.key and h.expires_at > now())
       end as remaining,
       case when b.paused_until > now() then b.paused_until end as paused_until,
       case when b.paused_until > now() then b.pause_reason end as pause_reason,
       (select count(*) from quota_waiters w where w.bucket = b.key and w.expires_at > now())::int as waiting,
       b.spent, b.waits
     from quota_buckets b order by b.key`,
  )
  return rows
}

/** Work waiting for quota now on every replica (an ask waiting on several buckets counts once). */
export async function countQuotaWaiters(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ n: number }>('select count(distinct waiter)::int as n from quota_waiters where expires_at > now()')
  return rows[0]!.n
}
