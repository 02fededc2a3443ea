import type { Pool } from './pool.ts'
import { laterChangeWaits } from './webhook-deliveries.ts'

/** A comment as the mirror keeps it, in the shape GitHub lists it (the fields Gaffer reads). */
export type MirroredComment = { id: number; body: string; user: { login: string; type?: string } | null }

/** One version of a comment: what a webhook carried, a read listed or a write answered. */
export type CommentVersion = {
  id: number
  body?: string | null | undefined
  user?: { login: string; type?: string | undefined } | null | undefined
  /** GitHub's time of its last edit: a version never replaces a newer one. */
  updated_at: string
}

export type CommentedItem = { repository: string; number: number }

/** What the mirror holds of an item's comments, and what a run must read from GitHub before trusting it. */
export type MirroredComments = {
  /**
   * GitHub confirmed the comments within a lease and no later change about the item waits
   * to be applied (the echo of the app's own comment included): nothing needs reading.
   * Confirmed: by a read of them, or, while every comment mirrored is the app's own (what
   * it wrote is recorded from GitHub's answer), by the payload or read that last confirmed
   * the row, when GitHub's count there (plus the app's comments since) is the count mirrored.
   */
  fresh: boolean
  /** Where a read starts (`since`, GitHub's clock); null: the comments were never read, list them all. */
  readSince: Date | null
  /** List them all: never read, or the mirror holds more than GitHub last counted (a deletion whose webhook was lost). */
  readAll: boolean
  /** Postgres's time of this look: a whole read that follows removes what the mirror had before it and GitHub did not list. */
  asOf: Date
  /** The live comments, oldest first. */
  comments: MirroredComment[]
}

const live = `select id, body, author, author_type from item_comments where repository = $1 and number = $2 and deleted_at is null`

/**
 * An item's mirrored comments and whether they can be trusted without a read, by the same
 * rule as a heartbeat's fresh row (`probeHeartbeat`). `$1` repository, `$2` number, `$3`
 * lease ms, `$4` the app's login. Undefined when the item is not in the mirror.
 */
export async function mirroredComments(
  pool: Pool,
  item: CommentedItem,
  options: { leaseMs: number; botLogin: string },
): Promise<MirroredComments | undefined> {
  const { rows } = await pool.query<MirroredComments>({
    name: 'gaffer-mirrored-comments',
    text: `with live as (${live}), w as (
         select w.number, w.github_updated_at, w.comments_read_until, w.github_comment_count,
           greatest(w.comments_confirmed_at, case when w.github_comment_count = (select count(*) from live)
             and not exists (select 1 from live where author is distinct from $4) then w.github_confirmed_at end) as confirmed_at
         from work_items w where w.repository = $1 and w.number = $2
       )
       select now() as "asOf",
         coalesce(w.confirmed_at > now() - make_interval(secs => $3::float8 / 1000)
           and not ${laterChangeWaits({ repository: '$1', botLogin: '$4', item: 'w', confirmedAt: 'w.confirmed_at', ownComments: true })}, false) as fresh,
         w.comments_read_until as "readSince",
         w.comments_read_until is null or coalesce((select count(*) from live) > w.github_comment_count, false) as "readAll",
         coalesce((select json_agg(json_build_object('id', id, 'body', body,
             'user', case when author is null then null else json_strip_nulls(json_build_object('login', author, 'type', author_type)) end) order by id)
           from live), '[]') as comments
       from w`,
    values: [item.repository, item.number, options.leaseMs, options.botLogin],
  })
  return rows[0]
}

const versions = (comments: readonly CommentVersion[]) =>
  JSON.stringify(
    comments.map((c) => ({
      id: c.id,
      body: c.body ?? '',
      author: c.user?.login ?? null,
      author_type: c.user?.type ?? null,
      updated_at: c.updated_at,
    })),
  )

/** Takes a version unless the mirror has a newer one or knows the comment deleted. */
const upsertVersions = `insert into item_comments (repository, number, id, author, author_type, body, updated_at)
    select $1, $2, c.id, c.author, c.author_type, c.body, c.updated_at
    from json_to_recordset($3::json) as c(id bigint, author text, author_type text, body text, updated_at timestamptz)
    where exists (select 1 from work_items where repository = $1 and number = $2)
    on conflict (repository, id) do update set author = excluded.author, author_type = excluded.author_type, body = excluded.body,
      updated_at = excluded.updated_at
    where item_comments.deleted_at is null and item_comments.updated_at <= excluded.updated_at`

/**
 * Records what a read of an item's comments listed: each comment's version, the cursor
 * moved to the newest `updated_at` listed (never back), and the comments confirmed as of
 * `asOf`, when the read began. A whole read (`all`) also turns the comments the mirror had
 * before `asOf` that GitHub no longer lists into tombstones (so a late or redelivered
 * webhook cannot bring one back); one added since may be newer than the read.
 */
export async function recordCommentRead(
  pool: Pool,
  item: CommentedItem,
  read: { comments: readonly CommentVersion[]; all: boolean; asOf: Date },
): Promise<void> {
  await pool.query({
    name: 'gaffer-record-comment-read',
    text: `with upserted as (${upsertVersions}), item as (
         update work_items set comments_confirmed_at = $5,
           comments_read_until = greatest(comments_read_until, (select max(updated_at) from json_to_recordset($3::json) as c(updated_at timestamptz)))
         where repository = $1 and number = $2
       )
       update item_comments set body = '', deleted_at = now() where $4 and repository = $1 and number = $2 and deleted_at is null and recorded_at < $5
         and id <> all(select id from json_to_recordset($3::json) as c(id bigint))`,
    values: [item.repository, item.number, versions(read.comments), read.all, read.asOf],
  })
}

/**
 * Records one comment as a webhook carried it or GitHub answered the app's write. A comment
 * the app itself created (`created`) and the mirror did not have yet raises GitHub's count
 * kept on the item by one: the mirror knows of it without waiting for the webhook's echo.
 */
export async function recordComment(pool: Pool, item: CommentedItem, comment: CommentVersion, options: { created?: boolean } = {}): Promise<void> {
  await pool.query({
    name: 'gaffer-record-comment',
    text: `with upserted as (${upsertVersions} returning xmax = 0 as inserted)
       update work_items set github_comment_count = github_comment_count + 1
       where $4 and repository = $1 and number = $2 and exists (select 1 from upserted where inserted)`,
    values: [item.repository, item.number, versions([comment]), options.created ?? false],
  })
}

/**
 * A comment deleted on GitHub (its `deleted` webhook): kept as a tombstone without its text,
 * so a read or a webhook of it still in flight cannot bring it back.
 */
export async function recordCommentDeleted(pool: Pool, item: CommentedItem, commentId: number): Promise<void> {
  await pool.query({
    name: 'gaffer-record-comment-deleted',
    text: `insert into item_comments (repository, number, id, body, updated_at, deleted_at)
       select $1, $2, $3, '', now(), now() where exists (select 1 from work_items where repository = $1 and number = $2)
       on conflict (repository, id) do update set body = '', deleted_at = coalesce(item_comments.deleted_at, now())`,
    values: [item.repository, item.number, commentId],
  })
}
