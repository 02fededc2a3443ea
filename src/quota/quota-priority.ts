import { AsyncLocalStorage } from 'node:async_hooks'
import type { QuotaPriority } from '../company/quota-rank.ts'

const current = new AsyncLocalStorage<QuotaPriority>()

/**
 * Runs `work` with `priority` as the rank of every quota ask made inside it (GitHub
 * requests, model calls), however deep: the request hook and the model client read it
 * here, so no function between the heartbeat and Octokit has to pass it along.
 */
export function withQuotaPriority<T>(priority: QuotaPriority, work: () => T): T {
  return current.run(priority, work)
}

/** The priority of the work running now; work started outside any lane asks as a heartbeat of score 0. */
export function currentQuotaPriority(): QuotaPriority {
  return current.getStore() ?? { lane: 'heartbeat', score: 0 }
}
