import type { Pool } from '../store/pool.ts'

/** The JSON behind `GET /gaffer/api/state`: agents, items and repositories as the mirror holds them. */
export async function readState(pool: Pool) {
  const [repositories, agents, items, pendingApprovals, escalations, quality] = await Promise.all([
    pool.query(
      `select full_name as repository, installation_id as "installationId", default_branch as "defaultBranch",
              active, roster_source as "rosterSource", roster_error as "rosterError", reconciled_at as "reconciledAt"
       from repositories order by full_name`,
    ),
    pool.query(
      `select repository, slug, name, role, reports_to as "reportsTo", paused, paused_reason as "pausedReason",
              month_spend_usd::float8 as "monthSpendUsd"
       from agents order by repository, slug`,
    ),
    pool.query(
      `select repository, number, kind, title, state, status, owner_agent as owner, labels, priority_score,
              priority_reason, delegation_depth, parent_number, attempts, updated_at as "updatedAt"
       from work_items where state = 'open' order by repository, priority_score desc, number`,
    ),
    pool.query(
      `select repository, number, title, owner_agent as owner, updated_at as "since"
       from work_items where state = 'open' and status = 'needs-approval' order by updated_at`,
    ),
    pool.query(
      `select repository, number, title, owner_agent as owner, blocked_reason as reason, escalated_to as "escalatedTo",
              escalation_level as level, coalesce(escalated_at, updated_at) as "since"
       from work_items where state = 'open' and status = 'blocked' order by coalesce(escalated_at, updated_at)`,
    ),
    // Per agent: the average reviewer score of the pull requests it authored, and the share
    // whose first reviewed commit already passed the reviewer's part of the gate.
    pool.query(
      `with scored as (
         select w.repository, w.created_by_agent as agent, w.number, q.score, q.verdict, q.created_at,
                coalesce(r.quality_threshold, 70) as threshold,
                row_number() over (partition by w.repository, w.number order by q.created_at) as nth
         from work_items w
         join quality_scores q on q.repository = w.repository and q.pr_number = w.number
         join repositories r on r.full_name = w.repository
         where w.kind = 'pull' and w.created_by_agent is not null)
       select repository, agent, count(distinct number)::int as "pullRequests", round(avg(score), 1)::float8 as "averageScore",
              round(avg(case when nth = 1 then (verdict = 'approve' and score >= threshold)::int end), 2)::float8 as "firstTimePassRate"
       from scored group by repository, agent order by repository, agent`,
    ),
  ])
  return {
    repositories: repositories.rows,
    agents: agents.rows,
    items: items.rows,
    pendingApprovals: pendingApprovals.rows,
    escalations: escalations.rows,
    quality: quality.rows,
  }
}
