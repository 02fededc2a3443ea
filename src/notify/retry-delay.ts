/** Sends of one event to one channel before Gaffer gives up on it (it stays in the state API as failed). */
export const NOTIFY_MAX_ATTEMPTS = 8

/** The longest wait between two sends: a channel that is down for hours is tried hourly. */
const MAX_DELAY_MS = 60 * 60_000

/**
 * How long to wait after failed send number `attempts` (from 1): doubling from `baseMs`,
 * at most an hour; undefined once the attempts are spent. With the default 30 s base the
 * eighth send comes about 1 h 04 min after the first.
 */
export function retryDelayMs(attempts: number, baseMs: number): number | undefined {
  if (attempts >= NOTIFY_MAX_ATTEMPTS) return undefined
  return Math.min(baseMs * 2 ** (attempts - 1), MAX_DELAY_MS)
}
