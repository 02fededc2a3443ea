import { createHash, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'

const loopback = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1'])

/**
 * The admin API needs `Authorization: Bearer $GAFFER_ADMIN_TOKEN`; with no token
 * configured it answers only requests from this machine.
 */
export function isAdminRequest(req: IncomingMessage, adminToken: string | undefined): boolean {
  if (adminToken === undefined) return loopback.has(req.socket.remoteAddress ?? '')
  const presented = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1]?.trim()
  if (!presented) return false
  const digest = (value: string) => createHash('sha256').update(value).digest()
  return timingSafeEqual(digest(presented), digest(adminToken))
}
