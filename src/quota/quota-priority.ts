import { AsyncLocalStorage } from 'node:async_hooks'
import type { QuotaPriority } from '../company/quota-rank.ts'

/**
 * What one claimed item's work is doing with quota, kept up to date as it runs: how many
 * of its asks wait now (the arbiter counts them) and how many writes it has sent GitHub
 * (the request gate counts API writes, `runGitWithToken` pushes). Aborting `signal` makes
 * its waiting asks give up, so the heartbeat can give the claim back (SPEC §17).
 */
export type QuotaWatch = { waiting: number; writes: number; readonly signal: AbortSignal }

type QuotaWork = { priority: QuotaPriority; watch: QuotaWatch | undefined }

const current = new AsyncLocalStorage<QuotaWork>()

/**
 * Runs `work` with `priority` as the rank of every quota ask made inside it (GitHub
 * requests, model calls), however deep: the request hook and the model client read it
 * here, so no function between the heartbeat and Octokit has to pass it along. A
 * claimed item's work also carries its `watch`.
 */
export function withQuotaPriority<T>(priority: QuotaPriority, work: () => T, watch?: QuotaWatch): T {
  return current.run({ priority, watch }, work)
}

/** The priority of the work running now; work started outside any lane asks as a heartbeat of score 0. */
export function currentQuotaPriority(): QuotaPriority {
  return current.getStore()?.priority ?? { lane: 'heartbeat', score: 0 }
}

/** The watch of the claimed item whose work is running now; undefined outside one. */
export function currentQuotaWatch(): QuotaWatch | undefined {
  return current.getStore()?.watch
}

/**
 * Called just before the work running now sends GitHub a write: refused (throws) once its
 * claim was given back, so nothing is sent after that decision; counted otherwise, since
 * from then on doing the work again would repeat the write.
 */
export function noteGithubWrite(): void {
  const watch = current.getStore()?.watch
  if (!watch) return
  watch.signal.throwIfAborted()
  watch.writes += 1
}
