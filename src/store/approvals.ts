import type { Pool } from './pool.ts'

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
