import { createHash } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Probot } from 'probot'
import type { Logger } from '../log.ts'
import type { Pool } from '../store/pool.ts'
import { recordDelivery, type StoredDelivery } from '../store/webhook-deliveries.ts'
import { BodyTooLargeError, readBody } from './read-body.ts'
import { sendJson } from './send.ts'

// GitHub caps webhook payloads at 25 MB.
const MAX_PAYLOAD_BYTES = 25 * 1024 * 1024

/** How long the receiving replica owns a fresh delivery before the sweep may retry it. */
export const RECEIVE_LEASE_SECONDS = 120

/**
 * `POST /api/github/webhooks`: verifies the signature with Probot's webhook verifier,
 * records the delivery durably, answers at once, and leaves processing to `process`.
 * A forged signature gets 401 and stores nothing; a replay gets 200 and is ignored.
 */
export function createWebhookEndpoint(deps: {
  probot: Probot
  pool: Pool
  log: Logger
  process: (delivery: StoredDelivery) => void
}) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const header = (name: string) => {
      const value = req.headers[name]
      return Array.isArray(value) ? value[0] : value
    }
    const event = header('x-github-event')
    const deliveryId = header('x-github-delivery')
    const signature = header('x-hub-signature-256')
    if (!event || !deliveryId || !signature) {
      return sendJson(res, 400, {
        error: 'missing X-GitHub-Event, X-GitHub-Delivery or X-Hub-Signature-256; webhooks must come from GitHub with a secret set',
      })
    }
    let body: string
    try {
      body = await readBody(req, MAX_PAYLOAD_BYTES)
    } catch (error) {
      return sendJson(res, error instanceof BodyTooLargeError ? 413 : 400, { error: (error as Error).message })
    }
    const log = deps.log.child({ delivery: deliveryId, event })
    if (!(await deps.probot.webhooks.verify(body, signature).catch(() => false))) {
      log.warn('rejected a webhook with an invalid signature')
      return sendJson(res, 401, {
        error: 'signature does not match the payload; check that WEBHOOK_SECRET equals the webhook secret in the GitHub App settings',
      })
    }
    let payload: { action?: unknown }
    try {
      payload = JSON.parse(body)
    } catch {
      return sendJson(res, 400, { error: 'payload is not valid JSON' })
    }
    const delivery: StoredDelivery = {
      deliveryId,
      payloadSha256: createHash('sha256').update(body).digest('hex'),
      event,
      payload,
      attempts: 1,
    }
    const action = typeof payload.action === 'string' ? payload.action : undefined
    const isNew = await recordDelivery(deps.pool, { ...delivery, action }, RECEIVE_LEASE_SECONDS)
    if (!isNew) {
      log.info('ignored a replayed delivery')
      return sendJson(res, 200, { status: 'duplicate', delivery: deliveryId })
    }
    sendJson(res, 202, { status: 'accepted', delivery: deliveryId })
    deps.process(delivery)
  }
}
