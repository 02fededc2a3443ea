import { everything, type NotifyChannels } from '../config/notify-channels.ts'
import type { Logger } from '../log.ts'
import type { Metrics } from '../metrics/metrics.ts'
import { fanOutNotifications, markSendFailed, markSendSent, pruneNotifications, takeDueSends, type DueSend } from '../store/notifications.ts'
import type { Pool } from '../store/pool.ts'
import { channelRequest, withoutSecrets } from './channel-request.ts'
import { channelsFor } from './channels-for.ts'
import { notificationMessage, type NotificationLinks } from './notification-message.ts'
import { retryDelayMs } from './retry-delay.ts'

export type NotifySettings = {
  /** How often each replica looks for notifications to send. */
  intervalMs: number
  /** The wait after the first failed send; it doubles for each further one. */
  retryBaseMs: number
  /** How long one send may take before it counts as failed. */
  sendTimeoutMs: number
}

export const defaultNotifySettings: NotifySettings = { intervalMs: 5_000, retryBaseMs: 30_000, sendTimeoutMs: 10_000 }

/** Sends taken in one round; each channel's send runs at once, so a receiver that hangs holds only its own. */
const BATCH = 20
/** Finished events are kept this long (their sends are in the state API meanwhile). */
const KEEP_DAYS = 30
/** An event older than this when first fanned out (recorded while no channel was configured) is news no longer: it is not sent. */
const STALE_MS = 24 * 60 * 60_000
/** Without channels a round only marks and prunes what was recorded, so it runs seldom. */
const IDLE_INTERVAL_MS = 10 * 60_000

export type Notifier = {
  /** How often the replica should run a round: `settings.intervalMs`, or seldom without channels. */
  intervalMs: number
  /** One round: fan recorded events out to channels, then send what is due. */
  deliverDue(): Promise<{ sent: number; failed: number }>
  /** Aborts sends in flight (they are sent again once their lease lapses) and waits for the round to end. */
  stop(): Promise<void>
}

/**
 * The outbox's sender (SPEC §15). Work never waits for it: events are rows the status
 * writer, the budget and the breaker record, and this loop, on any replica, sends them.
 */
export function createNotifier(deps: {
  pool: Pool
  log: Logger
  channels: NotifyChannels
  links: NotificationLinks
  settings: NotifySettings
  now?: () => Date
  fetch?: typeof fetch
  metrics?: Pick<Metrics, 'notification'> | undefined
}): Notifier {
  const { pool, channels, settings } = deps
  const log = deps.log.child({ part: 'notify' })
  const names = Object.keys(channels)
  const send = deps.fetch ?? fetch
  const now = () => (deps.now ? deps.now() : new Date()).getTime()
  const stopping = new AbortController()
  const rounds = new Set<Promise<unknown>>()
  let prunedAt = 0

  async function deliver(due: DueSend): Promise<boolean> {
    const channel = channels[due.channel]
    if (!channel) {
      // The operator removed the channel after the event was fanned out to it.
      await markSendFailed(pool, due.id, `no channel named ${due.channel} in GAFFER_NOTIFY any more`, undefined)
      return false
    }
    const message = notificationMessage(due.payload, deps.links)
    const request = channelRequest(channel, message, { key: due.eventKey, id: due.eventId, at: new Date(due.createdAt).toISOString() })
    let failure: string | undefined
    try {
      const response = await send(request.url, {
        method: 'POST',
        headers: request.headers,
        body: request.body,
        signal: AbortSignal.any([stopping.signal, AbortSignal.timeout(settings.sendTimeoutMs)]),
        redirect: 'error',
      })
      if (!response.ok) failure = `HTTP ${response.status}: ${(await response.text().catch(() => '')).replace(/\s+/g, ' ').slice(0, 200)}`
      else await response.body?.cancel()
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause
      failure = `${(error as Error).name === 'TimeoutError' ? `no answer within ${settings.sendTimeoutMs} ms` : (error as Error).message}${cause ? ` (${cause.code ?? cause.message})` : ''}`
    }
    const where = { channel: due.channel, kind: channel.kind, event: due.payload.event, eventKey: due.eventKey, attempt: due.attempts }
    if (failure === undefined) {
      await markSendSent(pool, due.id)
      deps.metrics?.notification(due.channel, due.payload.event, 'sent')
      log.info(where, 'notification sent')
      return true
    }
    if (stopping.signal.aborted) return false // Stopped mid-send: the lease lapses and another round sends it.
    const error = withoutSecrets(channel, failure)
    const retryInMs = retryDelayMs(due.attempts, settings.retryBaseMs)
    await markSendFailed(pool, due.id, error, retryInMs)
    deps.metrics?.notification(due.channel, due.payload.event, retryInMs === undefined ? 'gave_up' : 'failed')
    log.warn(
      { ...where, error, retryInMs },
      retryInMs === undefined ? 'notification failed; giving up on it' : 'notification failed; it is sent again later',
    )
    return false
  }

  async function round(): Promise<{ sent: number; failed: number }> {
    await fanOutNotifications(pool, (event) => (event.stale ? [] : channelsFor(event.selection ?? everything, event.event, names)), STALE_MS)
    if (now() - prunedAt > 60 * 60_000) {
      prunedAt = now()
      await pruneNotifications(pool, KEEP_DAYS)
    }
    if (names.length === 0 || stopping.signal.aborted) return { sent: 0, failed: 0 }
    // A lease longer than a send may take: no other replica sends a row while this one does.
    const due = await takeDueSends(pool, BATCH, settings.sendTimeoutMs * 3 + 30_000)
    const outcomes = await Promise.all(due.map((row) => deliver(row)))
    const sent = outcomes.filter(Boolean).length
    return { sent, failed: outcomes.length - sent }
  }

  return {
    intervalMs: names.length > 0 ? settings.intervalMs : IDLE_INTERVAL_MS,
    deliverDue() {
      const running = round()
      rounds.add(running)
      void running.finally(() => rounds.delete(running)).catch(() => {})
      return running
    },
    async stop() {
      stopping.abort()
      await Promise.allSettled([...rounds])
    },
  }
}
