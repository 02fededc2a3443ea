import { DEFAULT_QUALITY_THRESHOLD } from '../company/quality-gate.ts'
import type { Pool, Queryable } from './pool.ts'

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
export async function latestQualityScore(pool: Queryable, repository: string, number: number, headSha: string): Promise<QualityScore | undefined> {
  const result = await pool.query<QualityScore>(
    'select agent, score, verdict from quality_scores where repository = $1 and pr_number = $2 and head_sha = $3 order by created_at desc limit 1',
    [repository, number, headSha],
  )
  return result.rows[0]
}

export type AgentQuality = { repository: string; agent: string; pullRequests: number; averageScore: number; firstTimePassRate: number | null }

/**
 * Per agent: the average reviewer score of the pull requests it authored, and the share
 * whose first reviewed commit already passed the reviewer's part of the gate.
 */
export async function qualityByAuthor(pool: Pool): Promise<AgentQuality[]> {
  const { rows } = await pool.query<AgentQuality>(
    `with scored as (
       select w.repository, w.created_by_agent as agent, w.number, q.score, q.verdict, q.created_at,
              coalesce(r.quality_threshold, $1) as threshold,
              row_number() over (partition by w.repository, w.number order by q.created_at) as nth
       from work_items w
       join quality_scores q on q.repository = w.repository and q.pr_number = w.number
       join repositories r on r.full_name = w.repository
       where w.kind = 'pull' and w.created_by_agent is not null)
     select repository, agent, count(distinct number)::int as "pullRequests", round(avg(score), 1)::float8 as "averageScore",
            round(avg(case when nth = 1 then (verdict = 'approve' and score >= threshold)::int end), 2)::float8 as "firstTimePassRate"
     from scored group by repository, agent order by repository, agent`,
    [DEFAULT_QUALITY_THRESHOLD],
  )
  return rows
}
