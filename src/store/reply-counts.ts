import type { Pool } from './pool.ts'

/**
 * Takes one of `limit` replies to `login` in this repository for the current minute.
 * One statement counts and decides, so replicas answering the same person at once
 * cannot both take the last reply: the row's update is serialised by its key.
 */
export async function takeReply(pool: Pool, repository: string, login: string, limit: number): Promise<boolean> {
  const result = await pool.query(
    `insert into reply_counts (repository, login, minute, replies) values ($1, $2, date_trunc('minute', now()), 1)
     on conflict (repository, login, minute) do update set replies = reply_counts.replies + 1
       where reply_counts.replies < $3`,
    [repository, login, limit],
  )
  return result.rowCount === 1
}
