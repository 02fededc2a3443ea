import type { Pool, Queryable } from './pool.ts'

export type Approval = {
  repository: string
  number: number
  actor: string
  decision: 'approve' | 'reject'
  note: string
  /** For a pull request: the head commit the decision is about; a new push needs a new one. */
  headSha?: string | undefined
}

export async function recordApproval(pool: Pool, approval: Approval): Promise<void> {
  await pool.query('insert into approvals (repository, number, actor, decision, note, head_sha) values ($1, $2, $3, $4, $5, $6)', [
    approval.repository,
    approval.number,
    approval.actor,
    approval.decision,
    approval.note || null,
    approval.headSha ?? null,
  ])
}

/** Who approved this head commit of a pull request with `/approve` (an approval never carries over to a new push). */
export async function approvedActors(pool: Queryable, repository: string, number: number, headSha: string): Promise<string[]> {
  const result = await pool.query<{ actor: string }>(
    "select distinct actor from approvals where repository = $1 and number = $2 and head_sha = $3 and decision = 'approve'",
    [repository, number, headSha],
  )
  return result.rows.map((row) => row.actor)
}
