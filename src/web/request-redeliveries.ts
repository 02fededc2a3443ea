import { deliveriesToRedeliver } from '../company/failed-deliveries.ts'
import { listHookDeliveries } from '../github/list-hook-deliveries.ts'
import { httpStatus, type Octokit } from '../github/octokit.ts'
import { redeliverHookDelivery } from '../github/writes.ts'
import type { Logger } from '../log.ts'
import type { Pool } from '../store/pool.ts'
import { knownDeliveryIds } from '../store/webhook-deliveries.ts'

export type RedeliveryRequester = () => Promise<{ requested: number; available: boolean }>

/**
 * Asks GitHub for the webhooks it failed to deliver (Gaffer down, a 5xx, a timeout):
 * GitHub never retries by itself. Run on start and in the sweep. A GitHub without the
 * app hook deliveries API (404, e.g. an emulator or an old GitHub Enterprise) is noted
 * once and asked again each time, quietly; the reconcile still heals the mirror there.
 */
export function createRedeliveryRequester(deps: { appOctokit: Pick<Octokit, 'request'>; pool: Pool; log: Logger }): RedeliveryRequester {
  const asked = new Set<string>()
  let notedUnavailable = false
  return async () => {
    let attempts
    try {
      attempts = await listHookDeliveries(deps.appOctokit)
    } catch (error) {
      if (httpStatus(error) !== 404) throw error
      if (!notedUnavailable) deps.log.info('this GitHub has no app hook deliveries API; failed webhooks are not asked for again')
      notedUnavailable = true
      return { requested: 0, available: false }
    }
    const guids = [...new Set(attempts.map((attempt) => attempt.guid))]
    const known = await knownDeliveryIds(deps.pool, guids)
    const wanted = deliveriesToRedeliver(
      attempts.map((attempt) => ({ id: attempt.id, guid: attempt.guid, statusCode: attempt.status_code })),
      known,
      asked,
    )
    for (const attempt of wanted) {
      await redeliverHookDelivery(deps.appOctokit, attempt.id)
      asked.add(attempt.guid)
    }
    if (wanted.length > 0) deps.log.info({ requested: wanted.length }, 'asked GitHub to redeliver webhooks that failed')
    return { requested: wanted.length, available: true }
  }
}
