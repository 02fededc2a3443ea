import type { Pool } from './pool.ts'

/** Who approved this head commit of a pull request with `/approve` (an approval never carries over to a new push). */
export async function approvedActors(pool: Pool, repository: string, number: number, headSha: string): Promise<string[]> {
  const result = await pool.query<{ actor: string }>(
    "select distinct actor from approvals where repository = $1 and number = $2 and head_sha = $3 and decision = 'approve'",
    [repository, number, headSha],
  )
  return result.rows.map((row) => row.actor)
}
