import type { Pool } from './pool.ts'

/** How long each kind of record is kept, in days. */
export type Retention = { deliveriesDays: number; runsDays: number; auditDays: number }

export const defaultRetention: Retention = { deliveriesDays: 14, runsDays: 30, auditDays: 365 }

export type Pruned = {
  deliveries: number
  runs: number
  itemRuns: number
  transcripts: number
  audit: number
  commentCommands: number
  replyCounts: number
  /** Quota waiters and holds whose asker never came back (its replica stopped, or Postgres failed it). */
  quotaRows: number
  /** Deleted comments' tombstones, kept as long as deliveries (a comment lives and goes with its item). */
  commentTombstones: number
}

/**
 * Deletes records older than their retention. Unfinished deliveries are kept whatever
 * their age (they still have work to do); a run still open is kept too (an item's run
 * record lives as long as the heartbeat runs), and a run's transcript (CLI or chat)
 * lives as long as the runs (it is the largest record of all). A comment's
 * "commands ran" row lives as long as the audit rows, so a replay of an old comment
 * whose delivery row is gone still runs nothing. A quota waiter or hold is removed by its
 * own asker, or by the next ask on its bucket for a hold; one left by a replica that
 * stopped waiting for good would otherwise stay for ever. A deleted comment's tombstone,
 * which keeps a read or webhook in flight from bringing it back, lives as long as the
 * deliveries; the mirrored comments themselves go with their item.
 */
export async function pruneOldRecords(pool: Pool, retention: Retention): Promise<Pruned> {
  const days = (value: number) => [value]
  const [deliveries, runs, itemRuns, transcripts, chatTranscripts, audit, commentCommands, replyCounts, quotaWaiters, quotaHolds, tombstones] =
    await Promise.all([
      pool.query(
        `delete from webhook_deliveries where received_at < now() - make_interval(days => $1)
       and (processed_at is not null or dead_at is not null)`,
        days(retention.deliveriesDays),
      ),
      pool.query(
        'delete from heartbeat_runs where started_at < now() - make_interval(days => $1) and finished_at is not null',
        days(retention.runsDays),
      ),
      pool.query('delete from item_runs where started_at < now() - make_interval(days => $1) and finished_at is not null', days(retention.runsDays)),
      pool.query(
        'delete from cli_transcripts where started_at < now() - make_interval(days => $1) and finished_at is not null',
        days(retention.runsDays),
      ),
      pool.query(
        'delete from chat_transcripts where started_at < now() - make_interval(days => $1) and finished_at is not null',
        days(retention.runsDays),
      ),
      pool.query('delete from audit_log where at < now() - make_interval(days => $1)', days(retention.auditDays)),
      pool.query('delete from comment_commands where at < now() - make_interval(days => $1)', days(retention.auditDays)),
      pool.query("delete from reply_counts where minute < now() - interval '1 hour'"),
      pool.query("delete from quota_waiters where expires_at < now() - interval '1 hour'"),
      pool.query("delete from quota_holds where expires_at < now() - interval '1 hour'"),
      pool.query('delete from item_comments where deleted_at < now() - make_interval(days => $1)', days(retention.deliveriesDays)),
    ])
  return {
    deliveries: deliveries.rowCount ?? 0,
    runs: runs.rowCount ?? 0,
    itemRuns: itemRuns.rowCount ?? 0,
    transcripts: (transcripts.rowCount ?? 0) + (chatTranscripts.rowCount ?? 0),
    audit: audit.rowCount ?? 0,
    commentCommands: commentCommands.rowCount ?? 0,
    replyCounts: replyCounts.rowCount ?? 0,
    quotaRows: (quotaWaiters.rowCount ?? 0) + (quotaHolds.rowCount ?? 0),
    commentTombstones: tombstones.rowCount ?? 0,
  }
}
