import { everything } from '../config/notify-channels.ts'
import type { Logger } from '../log.ts'
import { recordNotification } from '../store/notifications.ts'
import type { Pool } from '../store/pool.ts'

/**
 * Records that the global model breaker tripped; it concerns every repository, so it goes
 * to every channel. Keyed by when it opened: one trip is one event, whichever replica saw it.
 */
export async function recordBreakerTrip(deps: { pool: Pool; log: Logger }, trip: { since: Date; lastError: string | null }): Promise<void> {
  try {
    await recordNotification(
      deps.pool,
      { key: `model-breaker:${trip.since.toISOString()}`, repository: null, payload: { event: 'model-breaker', lastError: trip.lastError } },
      everything,
    )
  } catch (error) {
    deps.log.error({ err: error }, 'could not record a notification')
  }
}
