import type { Octokit } from '../github/octokit.ts'
import type { Logger } from '../log.ts'
import type { Agent } from '../roster/schema.ts'
import { claimReady, handBackClaim, type ClaimBudget, type Lease, type ReadyItem } from '../store/claims.ts'
import { startItemRuns } from '../store/item-runs.ts'
import type { WorkItem } from '../store/work-items.ts'
import type { HeartbeatDeps } from './heartbeat.ts'
import { workClaimedItem } from './work-claimed-item.ts'

/**
 * Claims up to maxConcurrent of the agent's ready items and works them at the same time.
 * Before each claim it takes slots from the process (GAFFER_MAX_PARALLEL, the per-model
 * cap), waiting its turn by the priority of its best ready item, and claims as many items
 * as it got slots (and as the agent's budget reservation allows) in one statement. Each
 * item is worked on its own: one failing does not stop the others, and a stop reaches
 * every one of them. Returns when all have ended.
 */
export async function workReadyItems(
  deps: HeartbeatDeps,
  run: { agent: Agent; repository: string; runId: number; started: number; ready: ReadyItem[]; octokit: Octokit; log: Logger },
): Promise<{ items: number; tokens: number; costUsd: number; error?: string; tried: number[] }> {
  const { agent, repository } = run
  const result: { items: number; tokens: number; costUsd: number; error?: string; tried: number[] } = { items: 0, tokens: 0, costUsd: 0, tried: [] }
  const lease: Lease = { runId: run.runId, leaseMs: deps.leaseMs }
  const model = deps.modelOf?.(agent) ?? agent.model ?? agent.runtime
  const monthlyUsd = agent.budget.monthlyUsd
  const budget: ClaimBudget | undefined = monthlyUsd === undefined ? undefined : { monthlyUsd, reserveUsd: deps.reserveFor?.(agent) ?? 0 }
  // Waiting for a slot ends with the heartbeat's time budget, or at once on a stop.
  const remaining = Math.max(0, run.started + deps.timeBudgetMs - deps.now().getTime())
  const waiting = AbortSignal.any([AbortSignal.timeout(remaining), ...(deps.stopSignal ? [deps.stopSignal] : [])])
  const working = new Set<Promise<void>>()
  const fail = (error: string) => {
    result.error ??= error
  }

  while (result.items < agent.maxConcurrent && !waiting.aborted) {
    const next = run.ready.find((item) => !result.tried.includes(item.number))
    const wanted = agent.maxConcurrent - result.items
    const granted = deps.slots ? await deps.slots.acquire({ model, count: wanted, priority: next?.priority_score ?? 0, signal: waiting }) : wanted
    if (granted === 0) break
    let claimed: WorkItem[] = []
    try {
      claimed = await claimReady(deps.pool, { repository, agent: agent.slug, skip: result.tried }, lease, { count: granted, budget })
    } finally {
      deps.slots?.release(model, granted - claimed.length)
    }
    if (claimed.length > 0 && !(await recordStarts(deps, run, claimed, fail))) {
      deps.slots?.release(model, claimed.length)
      break
    }
    for (const item of claimed) {
      deps.metrics?.claim(repository, agent.slug)
      result.tried.push(item.number)
      result.items += 1
      const task = workClaimedItem(deps, { agent, item, octokit: run.octokit, lease, log: run.log })
        .then(
          (worked) => {
            result.tokens += worked.tokens
            result.costUsd += worked.costUsd
            if (worked.error !== undefined) fail(worked.error)
          },
          (error: unknown) => {
            run.log.error({ err: error, item: `${repository}#${item.number}` }, 'work on an item failed')
            fail((error as Error).message)
          },
        )
        .finally(() => {
          deps.slots?.release(model, 1)
          working.delete(task)
        })
      working.add(task)
    }
    // Fewer than asked: nothing more is ready, or the budget allows no more.
    if (claimed.length < granted) break
  }
  await Promise.all(working)
  return result
}

/**
 * Opens the claimed items' run records before their work starts; if that fails, the
 * claims go back untouched (no attempt counted) and the heartbeat claims no more.
 */
async function recordStarts(
  deps: HeartbeatDeps,
  run: { agent: Agent; repository: string; runId: number; log: Logger },
  claimed: readonly WorkItem[],
  fail: (error: string) => void,
): Promise<boolean> {
  try {
    await startItemRuns(
      deps.pool,
      { runId: run.runId, repository: run.repository, agent: run.agent.slug },
      claimed.map((item) => item.number),
    )
    return true
  } catch (error) {
    run.log.error({ err: error }, 'could not record the start of claimed items; handing them back')
    fail((error as Error).message)
    for (const item of claimed) await handBackClaim(deps.pool, run.repository, item.number, run.runId).catch(() => false)
    return false
  }
}
