import type { RosterRegistry } from '../mirror/roster-registry.ts'
import { readModelBreaker } from '../store/model-breaker.ts'
import type { Pool } from '../store/pool.ts'
import { listDeadDeliveries } from '../store/webhook-deliveries.ts'

/** Runs listed in the state: the most recent, newest first. */
export const RECENT_RUNS = 50

/**
 * The JSON behind `GET /gaffer/api/state` and the dashboard: repositories, agents,
 * the global model breaker, open items, what waits for a person (approvals, escalations), recent heartbeat runs,
 * each agent's budget for the month, review quality, and dead webhook deliveries, as the mirror holds them.
 */
export async function readState(pool: Pool, rosters?: Pick<RosterRegistry, 'get'>) {
  const [breaker, repositories, agents, items, pendingApprovals, escalations, runs, quality, dead] = await Promise.all([
    readModelBreaker(pool),
    pool.query(
      `select full_name as repository, installation_id as "installationId", default_branch as "defaultBranch",
              active, roster_source as "rosterSource", roster_error as "rosterError", reconciled_at as "reconciledAt"
       from repositories order by full_name`,
    ),
    pool.query(
      `select a.repository, a.slug, a.name, a.role, a.reports_to as "reportsTo", a.paused, a.paused_reason as "pausedReason",
              a.month_spend_usd::float8 as "monthSpendUsd", a.spend_month as "spendMonth",
              a.budget_warned_month is not null and a.budget_warned_month = a.spend_month as "budgetWarned",
              r.outcome as "lastOutcome", r.started_at as "lastRunAt"
       from agents a
       left join lateral (select outcome, started_at from heartbeat_runs h
                          where h.repository = a.repository and h.agent = a.slug order by started_at desc limit 1) r on true
       order by a.repository, a.slug`,
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
    pool.query(
      `select id, repository, agent, trigger, started_at as "startedAt", finished_at as "finishedAt", outcome, items, tokens,
              cost_usd::float8 as "costUsd", github_requests as "githubRequests", error
       from heartbeat_runs order by started_at desc, id desc limit $1`,
      [RECENT_RUNS],
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
    listDeadDeliveries(pool),
  ])
  // The month's limit lives in the roster (AGENTS.md `budget.monthlyUsd`), the spend in the mirror.
  const budgets = agents.rows.map((agent) => {
    const monthlyUsd = rosters?.get(agent.repository).get(agent.slug)?.budget.monthlyUsd ?? null
    return {
      repository: agent.repository as string,
      agent: agent.slug as string,
      month: agent.spendMonth as string | null,
      spentUsd: agent.monthSpendUsd as number,
      monthlyUsd,
      share: monthlyUsd === null ? null : Math.round((agent.monthSpendUsd / monthlyUsd) * 1000) / 1000,
      warned: agent.budgetWarned as boolean,
      pausedByBudget: agent.pausedReason === 'monthly budget spent',
    }
  })
  return {
    // Open: the model server fails for everyone and no agent calls it until a probe succeeds.
    modelBreaker: { state: breaker.state, since: breaker.since, lastError: breaker.lastError, nextProbeAt: breaker.nextProbeAt },
    repositories: repositories.rows,
    agents: agents.rows,
    items: items.rows,
    pendingApprovals: pendingApprovals.rows,
    escalations: escalations.rows,
    runs: runs.rows,
    budgets,
    quality: quality.rows,
    // Deliveries that failed every attempt; `gaffer deliveries retry <id>` or GitHub's "Redeliver" runs one again.
    deliveries: { dead },
  }
}
