import type { RosterRegistry } from '../mirror/roster-registry.ts'
import { readModelBreaker } from '../store/model-breaker.ts'
import { countQuotaWaiters, listQuotaBuckets } from '../store/quota-buckets.ts'
import { listDeadDeliveries } from '../store/webhook-deliveries.ts'
import { listAgentRows } from '../store/agents.ts'
import { listOpenEscalations } from '../store/escalations.ts'
import { listRecentRuns } from '../store/heartbeat-runs.ts'
import { listRecentItemRuns } from '../store/item-runs.ts'
import type { Pool } from '../store/pool.ts'
import { qualityByAuthor } from '../store/quality-scores.ts'
import { listRepositoryRows } from '../store/repositories.ts'
import { listOpenItemRows, listPendingApprovals } from '../store/work-items.ts'
import { listRunItems } from '../store/run-items.ts'
import { countNotifications, listNotificationFailures } from '../store/notifications.ts'

/** Runs listed in the state: the most recent, newest first. */
export const RECENT_RUNS = 50

/**
 * The JSON behind `GET /gaffer/api/state` and the dashboard: the model, repositories, agents,
 * the global model breaker, open items, what waits for a person (approvals, escalations), recent heartbeat runs and item runs,
 * each agent's budget for the month, review quality, and dead webhook deliveries, as the mirror holds them.
 */
export async function readState(
  pool: Pool,
  rosters?: Pick<RosterRegistry, 'get'>,
  model: { name: string | null; rehearsal: boolean } = { name: null, rehearsal: false },
  links: { githubWebUrl?: string } = {},
) {
  const [
    breaker,
    repositories,
    agentRows,
    items,
    pendingApprovals,
    escalations,
    runRows,
    itemRuns,
    quality,
    dead,
    notifyCounts,
    notifyFailures,
    buckets,
    waiting,
  ] = await Promise.all([
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
    countNotifications(pool),
    listNotificationFailures(pool),
    listQuotaBuckets(pool),
    countQuotaWaiters(pool),
  ])
  // What each run worked on, from its transcripts; the dashboard says what a heartbeat did.
  const runIds = runRows.map((run) => run.id)
  const runItems = await listRunItems(pool, runIds)
  const runs = runRows.map((run) => ({ ...run, workedOn: runItems.filter((item) => item.runId === run.id).map(({ runId: _, ...item }) => item) }))
  // How an agent works (chat or a CLI runtime) decides whether the model breaker stops it.
  const agents = agentRows.map((agent) => ({ ...agent, runtime: rosters?.get(agent.repository).get(agent.slug)?.runtime ?? 'chat' }))
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
    // The model agents ask unless AGENTS.md names another (null: none configured); `rehearsal` is the deterministic stand-in of SPEC §16, for a banner.
    model,
    // Where links to GitHub point: github.com, a GitHub Enterprise server, or the sandbox's emulated GitHub.
    github: { webUrl: links.githubWebUrl ?? 'https://github.com' },
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
    // The quota shared by the replicas (SPEC §17): what is left of each bucket, and the work waiting for one.
    quota: {
      waiting,
      buckets: buckets.map((b) => ({
        bucket: b.key,
        remaining: Math.max(0, Math.floor(b.remaining)),
        capacity: b.capacity,
        waiting: b.waiting,
        pausedUntil: b.paused_until,
        pauseReason: b.pause_reason,
      })),
    },
    // Notifications outside GitHub (GAFFER_NOTIFY): sends waiting, and those whose last attempt failed (`gaveUpAt`: no more tries).
    notifications: { ...notifyCounts, failures: notifyFailures },
  }
}
