import type { Probot } from 'probot'
import type { Logger } from '../log.ts'
import type { Pool } from '../store/pool.ts'
import { leasePendingDeliveries, markFailed, markProcessed, type StoredDelivery } from '../store/webhook-deliveries.ts'
import { RECEIVE_LEASE_SECONDS } from './webhook-endpoint.ts'

export type DeliveryProcessor = {
  /** Dispatches one recorded delivery to the app's handlers; never throws. */
  process(delivery: StoredDelivery): void
  /** Picks up deliveries that were recorded but not finished (a crash, a failure awaiting retry). */
  sweep(): Promise<number>
  /** Resolves when every delivery started so far has finished. */
  idle(): Promise<void>
}

export function createDeliveryProcessor(deps: { probot: Probot; pool: Pool; log: Logger }): DeliveryProcessor {
  const running = new Set<Promise<void>>()

  async function run(delivery: StoredDelivery): Promise<void> {
    const log = deps.log.child({ delivery: delivery.deliveryId, event: delivery.event })
    try {
      await deps.probot.receive({ id: delivery.deliveryId, name: delivery.event, payload: delivery.payload } as Parameters<Probot['receive']>[0])
      await markProcessed(deps.pool, delivery)
    } catch (error) {
      const message = describeError(error)
      log.error({ err: error, attempts: delivery.attempts }, 'webhook processing failed; it will be retried')
      await markFailed(deps.pool, delivery, message).catch((markError: unknown) =>
        log.error({ err: markError }, 'could not record the webhook failure'),
      )
    }
  }

  function process(delivery: StoredDelivery): void {
    const task = run(delivery).finally(() => running.delete(task))
    running.add(task)
  }

  return {
    process,
    async sweep() {
      const pending = await leasePendingDeliveries(deps.pool, 50, RECEIVE_LEASE_SECONDS)
      pending.forEach(process)
      return pending.length
    },
    async idle() {
      while (running.size > 0) await Promise.allSettled([...running])
    },
  }
}

function describeError(error: unknown): string {
  if (error instanceof AggregateError) return error.errors.map(describeError).join('; ')
  return error instanceof Error ? error.message : String(error)
}
