import type { Pool } from './pool.ts'

/**
 * Claims a comment for running its commands. Returns false when some delivery of this
 * comment (a replay under a new id, a redelivery, another replica) already claimed it.
 * The primary key decides: of two concurrent claims exactly one inserts. The claim is
 * taken before the first command runs, so a command runs at most once even if the
 * processing fails halfway and the delivery is retried.
 */
export async function claimCommentCommands(pool: Pool, repository: string, commentId: number): Promise<boolean> {
  const result = await pool.query('insert into comment_commands (repository, comment_id) values ($1, $2) on conflict do nothing', [
    repository,
    commentId,
  ])
  return result.rowCount === 1
}
