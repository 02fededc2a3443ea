import type { Probot } from 'probot'
import { childOnDemand } from '../child-on-demand.ts'
import { withQuotaPriority } from '../quota/quota-priority.ts'
import type { Logger } from '../log.ts'
import type { Metrics } from '../metrics/metrics.ts'
import path from 'node:path'
import { isConnectionError } from '../store/connection-error.ts'
import { FAILED_SPOOL_DIR, listSpool, moveSpooledAside, readSpooled, removeSpooled } from '../store/delivery-spool.ts'
import type { Pool } from '../store/pool.ts'
import {
  leasePendingDeliveries,
  markAbandonedDeliveriesDead,
  markFailed,
  markProcessed,
  recordDelivery,
  renewDeliveryLease,
  type DeliveryKey,
  type StoredDelivery,
} from '../store/webhook-deliveries.ts'
import { allFulfilled, batchWrites } from '../store/batch-writes.ts'
import { parsePayload } from './parse-payload.ts'
import { deliveryOf, RECEIVE_LEASE_SECONDS } from './webhook-endpoint.ts'

export type DeliveryProcessor = {
  /** Dispatches one recorded delivery to the app's handlers; never throws. */
  process(delivery: StoredDelivery): void
  /**
   * Moves spooled deliveries into the database, then picks up deliveries that were
   * recorded but not finished (a crash, a failure awaiting retry).
   */
  sweep(): Promise<number>
  /** Resolves when every delivery started so far has finished. */
  idle(): Promise<void>
}

export function createDeliveryProcessor(deps: {
  probot: Probot
  pool: Pool
  log: Logger
  metrics?: Metrics
  spoolDir?: string | undefined
  /** The lease a running delivery holds; renewed at a third of it. */
  leaseSeconds?: number
}): DeliveryProcessor {
  const running = new Set<Promise<void>>()
  const leaseSeconds = deps.leaseSeconds ?? RECEIVE_LEASE_SECONDS
  // Deliveries finishing while a mark is on its way are marked together by the next one.
  const markDone = batchWrites(async (keys: DeliveryKey[]) => {
    await markProcessed(deps.pool, keys)
    return allFulfilled(keys.map(() => undefined))
  })

  async function run(delivery: StoredDelivery): Promise<void> {
    const log = childOnDemand(deps.log, { delivery: delivery.deliveryId, event: delivery.event })
    // Without renewal a delivery slower than its lease is taken by the sweep as a crashed one and run again.
    const renewal = setInterval(
      () => {
        renewDeliveryLease(deps.pool, delivery, leaseSeconds).then(
          (held) => held || log.warn('the delivery is no longer leased to this run (it went dead or was revived); it goes on to the end'),
          (error: unknown) => log.warn({ err: error }, 'could not renew a delivery lease'),
        )
      },
      (leaseSeconds * 1000) / 3,
    )
    renewal.unref()
    try {
      // A delivery is someone's action (a command among them): its GitHub requests go first (SPEC §17).
      await withQuotaPriority({ lane: 'urgent' }, () =>
        deps.probot.receive({ id: delivery.deliveryId, name: delivery.event, payload: delivery.payload } as Parameters<Probot['receive']>[0]),
      )
      await markDone(delivery)
      deps.metrics?.webhookProcessed(delivery.event, 'processed')
    } catch (error) {
      const message = describeError(error)
      // The store decides whether this was the last attempt; the log says what it decided.
      const marked = await markFailed(deps.pool, delivery, message).catch((markError: unknown) => {
        log.error({ err: markError }, 'could not record the webhook failure')
        return undefined
      })
      deps.metrics?.webhookProcessed(delivery.event, marked?.dead ? 'dead' : 'failed')
      log.error(
        { err: error, attempts: delivery.attempts },
        marked?.dead ? 'webhook processing failed for the last time; the delivery is dead' : 'webhook processing failed; it will be retried',
      )
    } finally {
      clearInterval(renewal)
    }
  }

  function process(delivery: StoredDelivery): void {
    const task = run(delivery).finally(() => running.delete(task))
    running.add(task)
  }

  /**
   * Records each spooled delivery and deletes its file only once the row is committed.
   * While the database is unreachable the replay stops and the files wait for the next
   * sweep; a file that can never be recorded (unreadable, or refused by the database) is
   * moved to `failed/`, so one bad file cannot hold back the others or the pending lease.
   */
  async function replaySpool(dir: string): Promise<number> {
    let replayed = 0
    for (const name of await listSpool(dir)) {
      try {
        const spooled = await readSpooled(dir, name)
        const parsed = parsePayload(spooled.body)
        // Only verified, parsed bodies are spooled; a file that is not is not ours to run.
        if (!parsed.ok) throw new Error(`the spooled body cannot be parsed: ${parsed.error}`)
        const delivery = deliveryOf(spooled.deliveryId, spooled.event, spooled.body, parsed.payload)
        const recorded = await recordDelivery(deps.pool, delivery, leaseSeconds)
        await removeSpooled(dir, name)
        if (recorded !== 'duplicate') process(delivery)
        replayed += 1
      } catch (error) {
        if (isConnectionError(error)) throw error
        // A sweep running alongside (the one at start, the timer's) already recorded and removed it.
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue
        await moveSpooledAside(dir, name)
        deps.log.error(
          { err: error, file: path.join(dir, FAILED_SPOOL_DIR, name) },
          'a spooled webhook cannot be recorded; it is moved to spool/failed/ for an operator to inspect',
        )
      }
    }
    if (replayed > 0) deps.log.info({ replayed }, 'replayed webhooks kept in the spool while the database was away')
    return replayed
  }

  return {
    process,
    async sweep() {
      let spooled = 0
      try {
        spooled = deps.spoolDir ? await replaySpool(deps.spoolDir) : 0
      } finally {
        // Deliveries already recorded are picked up even when the spool could not be replayed.
        const abandoned = await markAbandonedDeliveriesDead(deps.pool)
        if (abandoned > 0) deps.log.error({ deliveries: abandoned }, 'deliveries whose last attempt never finished are now dead')
        const pending = await leasePendingDeliveries(deps.pool, 50, leaseSeconds)
        pending.forEach(process)
        spooled += pending.length
      }
      return spooled
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
