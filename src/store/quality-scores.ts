import type { Pool } from './pool.ts'

export type QualityScore = { agent: string; score: number; verdict: 'approve' | 'request_changes' }

/** A reviewer's score of one head commit; a second review of the same commit by the same agent replaces the first. */
export async function recordQualityScore(
  pool: Pool,
  score: QualityScore & { repository: string; number: number; headSha: string; rubric: Record<string, number> },
): Promise<void> {
  await pool.query(
    `insert into quality_scores (repository, pr_number, head_sha, agent, score, verdict, rubric) values ($1, $2, $3, $4, $5, $6, $7)
     on conflict (repository, pr_number, head_sha, agent) do update set score = excluded.score, verdict = excluded.verdict,
       rubric = excluded.rubric, created_at = now()`,
    [score.repository, score.number, score.headSha, score.agent, score.score, score.verdict, score.rubric],
  )
}

/** The newest score of a pull request's head commit, from any reviewer agent. */
export async function latestQualityScore(pool: Pool, repository: string, number: number, headSha: string): Promise<QualityScore | undefined> {
  const result = await pool.query<QualityScore>(
    'select agent, score, verdict from quality_scores where repository = $1 and pr_number = $2 and head_sha = $3 order by created_at desc limit 1',
    [repository, number, headSha],
  )
  return result.rows[0]
}
