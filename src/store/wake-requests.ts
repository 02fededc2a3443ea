import type { Pool } from './pool.ts'

/** Asks a worker to wake an agent soon (SPEC §14: a `web` process runs no heartbeats). */
export async function requestWake(pool: Pool, repository: string, agent: string): Promise<void> {
  await pool.query('insert into wake_requests (repository, agent) values ($1, $2)', [repository, agent])
}

/**
 * Takes the waiting wake requests, each agent once. Deleting with SKIP LOCKED in one
 * statement gives each row to exactly one worker however many poll at once; a worker
 * that dies after taking rows loses those wakes, and cron and the sweep pick the work up.
 */
export async function takeWakeRequests(pool: Pool, limit = 100): Promise<Array<{ repository: string; agent: string }>> {
  const { rows } = await pool.query<{ repository: string; agent: string }>(
    `delete from wake_requests where id in (select id from wake_requests order by id limit $1 for update skip locked)
     returning repository, agent`,
    [limit],
  )
  const seen = new Set<string>()
  return rows.filter((row) => {
    const key = `${row.repository}\n${row.agent}`
    return !seen.has(key) && (seen.add(key), true)
  })
}
