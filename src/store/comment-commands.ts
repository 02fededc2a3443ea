import { appendAudit, type AuditEntry } from './audit-log.ts'
import { withTransaction, type Pool } from './pool.ts'

export type CommentKey = { repository: string; commentId: number }

/** How far a comment's commands got: `done` steps have run; the next one failed `failures` times. */
export type CommentProgress = { done: number; failures: number }

/**
 * Takes a comment for running its commands, for `leaseSeconds`, and says how far an
 * earlier delivery of it got. Undefined while another delivery (a replay under a new
 * id, another replica) holds it: one statement decides, so of two concurrent takes
 * exactly one gets the row, and the steps it finishes are never run again.
 */
export async function takeComment(pool: Pool, key: CommentKey, leaseSeconds: number): Promise<CommentProgress | undefined> {
  const { rows } = await pool.query<CommentProgress>(
    `insert into comment_commands (repository, comment_id, leased_until) values ($1, $2, now() + make_interval(secs => $3))
     on conflict (repository, comment_id) do update set leased_until = excluded.leased_until
       where comment_commands.leased_until is null or comment_commands.leased_until < now()
     returning done, failures`,
    [key.repository, key.commentId, leaseSeconds],
  )
  return rows[0]
}

/**
 * Records that step `done - 1` ran, with its audit rows, in one transaction: a crash
 * leaves either both or neither, so a retry neither repeats the step nor loses its audit.
 */
export async function finishCommentStep(pool: Pool, key: CommentKey, done: number, audits: AuditEntry[], leaseSeconds: number): Promise<void> {
  await withTransaction(pool, async (client) => {
    for (const entry of audits) await appendAudit(client, entry)
    await client.query(
      `update comment_commands set done = $3, failures = 0, leased_until = now() + make_interval(secs => $4)
       where repository = $1 and comment_id = $2`,
      [key.repository, key.commentId, done, leaseSeconds],
    )
  })
}

/** Counts a failed try of the next step and lets the comment go; returns the tries so far. */
export async function failCommentStep(pool: Pool, key: CommentKey): Promise<number> {
  const { rows } = await pool.query<{ failures: number }>(
    `update comment_commands set failures = failures + 1, leased_until = null
     where repository = $1 and comment_id = $2 returning failures`,
    [key.repository, key.commentId],
  )
  return rows[0]?.failures ?? 1
}

export async function releaseComment(pool: Pool, key: CommentKey): Promise<void> {
  await pool.query('update comment_commands set leased_until = null where repository = $1 and comment_id = $2', [key.repository, key.commentId])
}
