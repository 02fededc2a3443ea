import type { RosterRegistry } from '../mirror/roster-registry.ts'
import { readModelBreaker } from '../store/model-breaker.ts'
import { listDeadDeliveries } from '../store/webhook-deliveries.ts'
import { listAgentRows } from '../store/agents.ts'
import { listOpenEscalations } from '../store/escalations.ts'
import { listRecentRuns } from '../store/heartbeat-runs.ts'
import { listRecentItemRuns } from '../store/item-runs.ts'
import type { Pool } from '../store/pool.ts'
import { qualityByAuthor } from '../store/quality-scores.ts'
import { listRepositoryRows } from '../store/repositories.ts'
import { listOpenItemRows, listPendingApprovals } from '../store/work-items.ts'

/** Runs listed in the state: the most recent, newest first. */
export const RECENT_RUNS = 50

/**
 * The JSON behind `GET /gaffer/api/state` and the dashboard: repositories, agents,
 * the global model breaker, open items, what waits for a person (approvals, escalations), recent heartbeat runs and item runs,
 * each agent's budget for the month, review quality, and dead webhook deliveries, as the mirror holds them.
 */
export async function readState(pool: Pool, rosters?: Pick<RosterRegistry, 'get'>) {
  const [breaker, repositories, agents, items, pendingApprovals, escalations, runs, itemRuns, quality, dead] = await Promise.all([
    readModelBreaker(pool),
    listRepositoryRows(pool),
    listAgentRows(pool),
    listOpenItemRows(pool),
    listPendingApprovals(pool),
    listOpenEscalations(pool),
    listRecentRuns(pool, RECENT_RUNS),
    listRecentItemRuns(pool, RECENT_RUNS),
    qualityByAuthor(pool),
    listDeadDeliveries(pool),
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
    // Open: the model server fails for everyone and no agent calls it until a probe succeeds.
    modelBreaker: { state: breaker.state, since: breaker.since, lastError: breaker.lastError, nextProbeAt: breaker.nextProbeAt },
    repositories,
    agents,
    items,
    pendingApprovals,
    escalations,
    runs,
    // One per item a heartbeat worked (several at once for an agent with maxConcurrent > 1); unfinished ones are working now.
    itemRuns,
    budgets,
    quality,
    // Deliveries that failed every attempt; `gaffer deliveries retry <id>` or GitHub's "Redeliver" runs one again.
    deliveries: { dead },
  }
}
