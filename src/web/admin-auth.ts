import type { IncomingMessage } from 'node:http'
import type { AdminSession } from './admin-session.ts'
import { sameSecret } from './same-secret.ts'

const loopback = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1'])
const localNames = new Set(['localhost', '127.0.0.1', '[::1]'])

const hostname = (host: string) => host.replace(/:\d+$/, '').toLowerCase()

/** Whether a listen address is this machine's own: 127.0.0.0/8, ::1 or localhost (as written in GAFFER_HOST or bound). */
export function isLoopbackHost(host: string): boolean {
  const name = host.toLowerCase().replace(/^\[(.*)\]$/, '$1')
  return name === 'localhost' || name === '::1' || /^(::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name)
}

/** Headers a reverse proxy adds: behind a proxy on this host every peer is loopback, so these mean "from elsewhere". */
const proxyHeaders = ['forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-real-ip'] as const

/**
 * Without a token, only this machine's own pages and tools count: the TCP peer is
 * loopback, no proxy header says it was relayed from elsewhere, the Host names this
 * machine (a DNS-rebound name does not), and a browser's Origin, when sent, is that
 * same host (another site's page cannot POST a wake through the operator's browser).
 * Host and Origin only ever narrow the answer: they are the client's to choose.
 */
function isLocalRequest(req: IncomingMessage): boolean {
  if (!loopback.has(req.socket.remoteAddress ?? '')) return false
  if (proxyHeaders.some((name) => req.headers[name] !== undefined)) return false
  const host = req.headers.host ?? ''
  if (!localNames.has(hostname(host))) return false
  const origin = req.headers.origin
  if (origin === undefined) return true
  try {
    return new URL(origin).host === host
  } catch {
    return false
  }
}

/**
 * The admin API needs `Authorization: Bearer $GAFFER_ADMIN_TOKEN`; with no token
 * configured it answers only requests from this machine, and only while the server
 * listens on a loopback address. A same-host proxy such as nginx's default
 * `proxy_pass http://127.0.0.1:3000` sends a loopback peer, a local Host and no
 * forwarding header, so no request header can tell its outside clients apart; only
 * a server nobody else can reach may go without a token.
 */
export function isAdminRequest(req: IncomingMessage, adminToken: string | undefined, listenAddress: string | undefined): boolean {
  if (adminToken === undefined) return listenAddress !== undefined && isLoopbackHost(listenAddress) && isLocalRequest(req)
  const presented = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1]?.trim()
  if (!presented) return false
  return sameSecret(presented, adminToken)
}

/** How a request proved it may use the admin API: the bearer token, a dashboard login, or being this machine's own (no token set). */
export type AdminAccess = { via: 'bearer' } | { via: 'local' } | { via: 'cookie'; csrf: string }

export function adminAccess(
  req: IncomingMessage,
  auth: { adminToken: string | undefined; session: AdminSession | undefined; listenAddress: string | undefined; now: Date },
): AdminAccess | undefined {
  if (isAdminRequest(req, auth.adminToken, auth.listenAddress)) return { via: auth.adminToken === undefined ? 'local' : 'bearer' }
  const session = auth.session?.fromRequest(req, auth.now)
  return session ? { via: 'cookie', csrf: session.csrf } : undefined
}

/**
 * Whether a state-changing request (a wake, a console action) may go ahead. A browser
 * sends the login cookie by itself, so with it the request must also carry the CSRF
 * token only the dashboard's own page could read, and must not come from another site
 * (Origin, Sec-Fetch-Site). The bearer header is never sent by a browser on its own, and
 * a local request without a token already had its Origin checked.
 */
export function mayWrite(req: IncomingMessage, access: AdminAccess): boolean {
  if (access.via !== 'cookie') return true
  const site = req.headers['sec-fetch-site']
  if (site !== undefined && site !== 'same-origin') return false
  const origin = req.headers.origin
  if (origin !== undefined) {
    try {
      if (new URL(origin).host !== req.headers.host) return false
    } catch {
      return false
    }
  }
  const presented = req.headers['x-gaffer-csrf']
  return typeof presented === 'string' && sameSecret(presented, access.csrf)
}
