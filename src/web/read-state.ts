import type { Pool } from '../store/pool.ts'

/** The JSON behind `GET /gaffer/api/state`: agents, items and repositories as the mirror holds them. */
export async function readState(pool: Pool) {
  const [repositories, agents, items, pendingApprovals, escalations] = await Promise.all([
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
  ])
  return {
    repositories: repositories.rows,
    agents: agents.rows,
    items: items.rows,
    pendingApprovals: pendingApprovals.rows,
    escalations: escalations.rows,
  }
}
