import type { Octokit } from '../github/octokit.ts'
import type { Logger } from '../log.ts'
import type { Pool } from '../store/pool.ts'
import { defaultRetention, pruneOldRecords, type Retention } from '../store/retention.ts'
import { createRedeliveryRequester } from './request-redeliveries.ts'

/**
 * The webhook records' share of the periodic sweep: ask GitHub for deliveries that
 * failed on its side, and prune records past their retention. Each part fails on its
 * own (logged), so neither stops the other or the reconcile after them.
 */
export function createIntakeSweep(deps: { appOctokit: Pick<Octokit, 'request'>; pool: Pool; log: Logger; retention?: Retention | undefined }) {
  const requestRedeliveries = createRedeliveryRequester(deps)
  const retention = deps.retention ?? defaultRetention
  return async (): Promise<void> => {
    await requestRedeliveries().catch((error: unknown) => deps.log.error({ err: error }, 'could not ask GitHub for failed webhook deliveries'))
    try {
      const pruned = await pruneOldRecords(deps.pool, retention)
      if (Object.values(pruned).some((count) => count > 0)) deps.log.info({ pruned, retention }, 'pruned records past their retention')
    } catch (error) {
      deps.log.error({ err: error }, 'could not prune old records')
    }
  }
}
