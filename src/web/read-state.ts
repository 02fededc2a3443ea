import type { RosterRegistry } from '../mirror/roster-registry.ts'
import { listAgentRows } from '../store/agents.ts'
import { listOpenEscalations } from '../store/escalations.ts'
import { listRecentRuns } from '../store/heartbeat-runs.ts'
import type { Pool } from '../store/pool.ts'
import { qualityByAuthor } from '../store/quality-scores.ts'
import { listRepositoryRows } from '../store/repositories.ts'
import { listOpenItemRows, listPendingApprovals } from '../store/work-items.ts'

/** Runs listed in the state: the most recent, newest first. */
export const RECENT_RUNS = 50

/**
 * The JSON behind `GET /gaffer/api/state` and the dashboard: repositories, agents,
 * open items, what waits for a person (approvals, escalations), recent heartbeat runs,
 * each agent's budget for the month, and review quality, as the mirror holds them.
 */
export async function readState(pool: Pool, rosters?: Pick<RosterRegistry, 'get'>) {
  const [repositories, agents, items, pendingApprovals, escalations, runs, quality] = await Promise.all([
    listRepositoryRows(pool),
    listAgentRows(pool),
    listOpenItemRows(pool),
    listPendingApprovals(pool),
    listOpenEscalations(pool),
    listRecentRuns(pool, RECENT_RUNS),
    qualityByAuthor(pool),
  ])
  // The month's limit lives in the roster (AGENTS.md `budget.monthlyUsd`), the spend in the mirror.
  const budgets = agents.map((agent) => {
    const monthlyUsd = rosters?.get(agent.repository).get(agent.slug)?.budget.monthlyUsd ?? null
    return {
      repository: agent.repository,
      agent: agent.slug,
      month: agent.spendMonth,
      spentUsd: agent.monthSpendUsd,
      monthlyUsd,
      share: monthlyUsd === null ? null : Math.round((agent.monthSpendUsd / monthlyUsd) * 1000) / 1000,
      warned: agent.budgetWarned,
      pausedByBudget: agent.pausedReason === 'monthly budget spent',
    }
  })
  return {
    repositories,
    agents,
    items,
    pendingApprovals,
    escalations,
    runs,
    budgets,
    quality,
  }
}
