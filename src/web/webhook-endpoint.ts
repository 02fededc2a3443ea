import { createHash } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Probot } from 'probot'
import { childOnDemand } from '../child-on-demand.ts'
import type { Logger } from '../log.ts'
import { UNVERIFIED_EVENT, type IntakeOutcome, type Metrics } from '../metrics/metrics.ts'
import { isConnectionError } from '../store/connection-error.ts'
import { spoolDelivery } from '../store/delivery-spool.ts'
import type { Pool } from '../store/pool.ts'
import { isDataError, recordDeliveries, type DeliveryToRecord, type Recorded, type StoredDelivery } from '../store/webhook-deliveries.ts'
import { batchWrites } from '../store/batch-writes.ts'
import { parsePayload } from './parse-payload.ts'
import { BodyTooLargeError, BodyTooSlowError, readBody } from './read-body.ts'
import { sendJson } from './send.ts'

/**
 * The largest body read. GitHub allows 25 MB, but a body is buffered before its
 * signature can be checked, so anyone can make the process hold this much per request;
 * issue and comment events are a few hundred kB at most (docs/operations.md).
 */
export const DEFAULT_MAX_PAYLOAD_BYTES = 5 * 1024 * 1024

/** Unverified bodies read at once; beyond this a sender is asked to retry (503). */
export const MAX_BODIES_IN_FLIGHT = 8

/**
 * How long recording a delivery may take before the spool takes it instead: GitHub
 * gives up on a webhook after 10 s, and a database that stopped answering would
 * otherwise hold the request until then and past it.
 */
export const RECORD_TIMEOUT_MS = 5000
/** Unverified bodies read at once from one remote address, so one sender cannot take every slot. */
export const MAX_BODIES_PER_ADDRESS = 2

/** How long a body may take to arrive: GitHub itself gives up on a delivery after 10 s. */
export const BODY_READ_DEADLINE_MS = 10_000

/** How long the receiving replica owns a fresh delivery; renewed at a third of it while it runs. */
export const RECEIVE_LEASE_SECONDS = 120

/**
 * `POST /api/github/webhooks`: verifies the signature with Probot's webhook verifier,
 * records the delivery durably, answers at once, and leaves processing to `process`.
 * A forged signature gets 401 and stores nothing; a body already recorded gets 200 and
 * is ignored. While the database cannot be reached the delivery goes to the spool (202),
 * which the processor's sweep replays; without a spool the sender is asked to retry (503).
 * A body the database refuses is never spooled: replaying it would fail on every sweep.
 */
export function createWebhookEndpoint(deps: {
  probot: Probot
  pool: Pool
  log: Logger
  metrics?: Metrics
  process: (delivery: StoredDelivery) => void
  maxPayloadBytes?: number | undefined
  /** BODY_READ_DEADLINE_MS unless a test wants it shorter. */
  bodyDeadlineMs?: number | undefined
  spoolDir?: string | undefined
  /** The lease of a fresh delivery; the processor's own (`RECEIVE_LEASE_SECONDS` unless set). */
  leaseSeconds?: number
  recordTimeoutMs?: number
}) {
  const maxBytes = deps.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES
  const recordTimeoutMs = deps.recordTimeoutMs ?? RECORD_TIMEOUT_MS
  const deadlineMs = deps.bodyDeadlineMs ?? BODY_READ_DEADLINE_MS
  const leaseSeconds = deps.leaseSeconds ?? RECEIVE_LEASE_SECONDS
  // Deliveries arriving while a record is on its way are recorded together in the next
  // statement; each is still answered only once its own row is committed.
  const record = batchWrites((deliveries: DeliveryToRecord[]) => recordDeliveries(deps.pool, deliveries, leaseSeconds, recordTimeoutMs))
  let reading = 0
  const readingFrom = new Map<string, number>()
  async function receive(req: IncomingMessage, res: ServerResponse, intake: { event: string; outcome: IntakeOutcome }): Promise<void> {
    const header = (name: string) => {
      const value = req.headers[name]
      return Array.isArray(value) ? value[0] : value
    }
    const event = header('x-github-event')
    const deliveryId = header('x-github-delivery')
    const signature = header('x-hub-signature-256')
    if (!event || !deliveryId || !signature) {
      return refuseUnread(req, res, 400, {
        error: 'missing X-GitHub-Event, X-GitHub-Delivery or X-Hub-Signature-256; webhooks must come from GitHub with a secret set',
      })
    }
    const declared = Number(header('content-length'))
    if (declared > maxBytes) {
      return refuseUnread(req, res, 413, {
        error: `request body of ${declared} bytes is larger than ${maxBytes}; raise GAFFER_WEBHOOK_MAX_BYTES if GitHub sends such events`,
      })
    }
    const address = req.socket.remoteAddress ?? 'unknown'
    const fromAddress = readingFrom.get(address) ?? 0
    if (reading >= MAX_BODIES_IN_FLIGHT || fromAddress >= MAX_BODIES_PER_ADDRESS) {
      res.setHeader('retry-after', '1')
      const busy = fromAddress >= MAX_BODIES_PER_ADDRESS ? `${fromAddress} webhook bodies from ${address}` : `${reading} webhook bodies`
      return refuseUnread(req, res, 503, { error: `already reading ${busy}; retry in a second` })
    }
    let body: string
    reading += 1
    readingFrom.set(address, fromAddress + 1)
    try {
      body = await readBody(req, maxBytes, deadlineMs)
    } catch (error) {
      if (error instanceof BodyTooLargeError) return refuseUnread(req, res, 413, { error: error.message })
      if (error instanceof BodyTooSlowError) {
        deps.log.warn({ address, deadlineMs }, 'cut a webhook whose body did not arrive in time')
        return
      }
      return sendJson(res, 400, { error: (error as Error).message })
    } finally {
      reading -= 1
      const left = (readingFrom.get(address) ?? 1) - 1
      if (left > 0) readingFrom.set(address, left)
      else readingFrom.delete(address)
    }
    const log = childOnDemand(deps.log, { delivery: deliveryId, event })
    if (!(await deps.probot.webhooks.verify(body, signature).catch(() => false))) {
      log.warn('rejected a webhook with an invalid signature')
      return sendJson(res, 401, {
        error: 'signature does not match the payload; check that WEBHOOK_SECRET equals the webhook secret in the GitHub App settings',
      })
    }
    intake.event = event
    const parsed = parsePayload(body)
    if (!parsed.ok) {
      log.warn({ reason: parsed.error }, 'refused a signed webhook body')
      return sendJson(res, 400, { error: parsed.error })
    }
    const delivery = deliveryOf(deliveryId, event, body, parsed.payload)
    let recorded: Recorded
    try {
      recorded = await record({ ...delivery, body })
    } catch (error) {
      if (!isConnectionError(error)) return refuseUnrecordable(log, res, error)
      if (!deps.spoolDir) {
        log.error({ err: error }, 'could not record a webhook and no spool is set; GitHub will show it failed')
        res.setHeader('retry-after', '30')
        return sendJson(res, 503, { error: 'the database is unreachable; redeliver this webhook later' })
      }
      try {
        await spoolDelivery(deps.spoolDir, { deliveryId, event, body })
      } catch (spoolError) {
        log.error({ err: spoolError, cause: error }, 'could neither record nor spool a webhook')
        return sendJson(res, 503, { error: 'the database is unreachable and the spool cannot be written' })
      }
      log.warn({ err: error }, 'database unreachable; the webhook is kept in the spool until it returns')
      intake.outcome = 'spooled'
      return sendJson(res, 202, { status: 'spooled', delivery: deliveryId })
    }
    if (recorded === 'duplicate') {
      log.info('ignored a delivery whose body was already recorded')
      intake.outcome = 'duplicate'
      return sendJson(res, 200, { status: 'duplicate', delivery: deliveryId })
    }
    if (recorded === 'revived') log.info('a dead delivery was sent again; processing it afresh')
    intake.outcome = 'accepted'
    sendJson(res, 202, { status: 'accepted', delivery: deliveryId })
    deps.process(delivery)
  }

  // Every answer is counted once: refused unless the path above says otherwise, and under
  // its event only once the signature proved the event header is GitHub's.
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const intake: { event: string; outcome: IntakeOutcome } = { event: UNVERIFIED_EVENT, outcome: 'rejected' }
    try {
      await receive(req, res, intake)
    } finally {
      deps.metrics?.webhookReceived(intake.event, intake.outcome)
    }
  }
}

/**
 * The database reached but refused the row. A data error (SQLSTATE class 22, e.g. a
 * `\u0000` inside a JSON string, which jsonb cannot hold) fails the same way on every
 * redelivery, so it is a 400 naming the reason; anything else is a 500, which GitHub
 * shows as failed and can redeliver once the cause is fixed.
 */
function refuseUnrecordable(log: Logger, res: ServerResponse, error: unknown): void {
  const reason = error instanceof Error ? error.message : String(error)
  if (isDataError(error)) {
    log.warn({ err: error }, 'the database refused a signed webhook body; it is not recorded')
    return sendJson(res, 400, { error: `the database cannot store this body (${reason}); it is not recorded and redelivering it will fail again` })
  }
  log.error({ err: error }, 'could not record a webhook; GitHub will show it failed')
  return sendJson(res, 500, {
    error: `could not record this webhook (${reason}); see the server log, then redeliver it from the GitHub App settings`,
  })
}

/** A verified delivery as it is recorded and processed; the body's hash is its identity. */
export function deliveryOf(
  deliveryId: string,
  event: string,
  body: string,
  payload: Record<string, unknown>,
): StoredDelivery & { action: string | undefined } {
  const action = typeof payload.action === 'string' ? payload.action : undefined
  return { deliveryId, payloadSha256: createHash('sha256').update(body).digest('hex'), event, action, payload, attempts: 1 }
}

/**
 * Answers without reading the body, and closes the connection once the answer is out:
 * Node would otherwise keep reading an unread body to reuse the connection.
 */
function refuseUnread(req: IncomingMessage, res: ServerResponse, status: number, body: object): void {
  res.setHeader('connection', 'close')
  res.on('finish', () => req.destroy())
  sendJson(res, status, body)
}
