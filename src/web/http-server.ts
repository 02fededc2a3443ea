import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { z } from 'zod'
import type { Logger } from '../log.ts'
import type { Metrics } from '../metrics/metrics.ts'
import { adminAccess, isAdminRequest, mayWrite, type AdminAccess } from './admin-auth.ts'
import { createAdminSession, isHttps, logoutCookie } from './admin-session.ts'
import { parseAuditQuery } from './audit-query.ts'
import { createDashboardAssets } from './dashboard-assets.ts'
import { dashboardPage } from './dashboard-page.ts'
import type { EventStream } from './event-stream.ts'
import { BadRequestError, readJsonBody } from './read-json-body.ts'
import { createConsoleRoutes, type SandboxConsole } from './sandbox-console.ts'
import type { Readiness } from './readiness.ts'
import { sendHtml, sendJson, sendText } from './send.ts'
import type { AuditFilter } from '../store/audit-log.ts'

export const WEBHOOK_PATH = '/api/github/webhooks'

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>

export type HttpServerDeps = {
  log: Logger
  adminToken: string | undefined
  webhook: Handler
  state: () => Promise<unknown>
  /** Runs an agent's heartbeat now; undefined when there is no such agent. */
  wake: (agent: string, repository: string | undefined) => Promise<unknown>
  /** An item page's data; undefined when the mirror has no such item. */
  item: (repository: string, number: number) => Promise<unknown>
  /** One run's transcript; undefined when there is none. */
  transcript: (kind: 'chat' | 'cli', id: number) => Promise<unknown>
  audit: (filter: AuditFilter) => Promise<unknown>
  events: EventStream
  /** The sandbox console; its endpoints do not exist without it (app mode). */
  sandboxConsole?: SandboxConsole | undefined
  readiness: () => Promise<Readiness>
  metrics: Pick<Metrics, 'render' | 'contentType'>
  /** Serve only /healthz, /readyz and /metrics (a worker: no webhooks, no admin API). */
  operationsOnly?: boolean
  now?: () => Date
}

const Login = z.object({ token: z.string().min(1, 'enter the admin token (GAFFER_ADMIN_TOKEN)').max(1000) })

/**
 * Gaffer's HTTP surface: Probot's webhook path, the dashboard (its page, assets, login),
 * the admin API, and the operations endpoints (`/healthz`, `/readyz`, `/metrics`).
 * Everything under /gaffer/api needs the admin token as a bearer header, a dashboard
 * login cookie, or (without a token) a direct loopback request to a server listening on
 * loopback; a write made with the cookie also needs the page's CSRF token. /metrics needs
 * the bearer token (or the loopback rule). A worker serves only the operations endpoints.
 */
export function createHttpServer(deps: HttpServerDeps): Server {
  const now = deps.now ?? (() => new Date())
  const session = deps.adminToken === undefined ? undefined : createAdminSession(deps.adminToken)
  const assets = createDashboardAssets()
  const consoleRoutes = deps.sandboxConsole ? createConsoleRoutes(deps.sandboxConsole) : undefined

  async function api(req: IncomingMessage, res: ServerResponse, url: URL, access: AdminAccess): Promise<void> {
    const { pathname, searchParams } = url
    const get = req.method === 'GET'
    if (req.method !== 'GET' && !mayWrite(req, access)) {
      return sendJson(res, 403, { error: 'this change must come from the dashboard page itself (missing or wrong X-Gaffer-CSRF, or another site)' })
    }
    if (pathname === '/gaffer/api/session' && get) {
      return sendJson(res, 200, { via: access.via, csrf: access.via === 'cookie' ? access.csrf : null, sandbox: consoleRoutes !== undefined })
    }
    if (pathname === '/gaffer/api/state' && get) return sendJson(res, 200, await deps.state())
    if (pathname === '/gaffer/api/events' && get) return deps.events.handle(req, res)
    if (pathname === '/gaffer/api/audit' && get) return sendJson(res, 200, await deps.audit(parseAuditQuery(searchParams)))
    const item = /^\/gaffer\/api\/items\/([\w.-]+)\/([\w.-]+)\/(\d{1,9})$/.exec(pathname)
    if (item && get) {
      const [, owner, repo, number] = item as unknown as [string, string, string, string]
      const page = await deps.item(`${owner}/${repo}`, Number(number))
      if (page === undefined) return sendJson(res, 404, { error: `the mirror has no item ${owner}/${repo}#${number}` })
      return sendJson(res, 200, page)
    }
    const transcript = /^\/gaffer\/api\/transcripts\/(chat|cli)\/(\d{1,15})$/.exec(pathname)
    if (transcript && get) {
      const found = await deps.transcript(transcript[1] as 'chat' | 'cli', Number(transcript[2]))
      if (found === undefined) return sendJson(res, 404, { error: `no ${transcript[1]} transcript ${transcript[2]}` })
      return sendJson(res, 200, found)
    }
    const wake = /^\/gaffer\/api\/agents\/([a-z0-9-]+)\/wake$/.exec(pathname)
    if (wake && req.method === 'POST') {
      const agent = wake[1]!
      let result: unknown
      try {
        result = await deps.wake(agent, searchParams.get('repository') ?? undefined)
      } catch (error) {
        return sendJson(res, 400, { error: (error as Error).message })
      }
      if (result === undefined) return sendJson(res, 404, { error: `no agent "${agent}"; see /gaffer/api/state for the roster` })
      return sendJson(res, 200, result)
    }
    if (consoleRoutes && (pathname === '/gaffer/api/console' || pathname.startsWith('/gaffer/api/console/'))) {
      if (await consoleRoutes(req, res, pathname)) return
    }
    return sendJson(res, 404, { error: `no route for ${req.method} ${pathname}` })
  }

  async function login(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!session) {
      return sendJson(res, 400, { error: 'no GAFFER_ADMIN_TOKEN is set: the dashboard answers this machine without a login' })
    }
    if (!sameSiteForm(req)) return sendJson(res, 403, { error: 'log in from the dashboard page itself' })
    const { token } = await readJsonBody(req, Login)
    const cookie = session.login(token.trim(), isHttps(req), now())
    if (!cookie) {
      deps.log.warn({ peer: req.socket.remoteAddress }, 'dashboard login refused: wrong admin token')
      return sendJson(res, 401, { error: 'That token was refused; enter GAFFER_ADMIN_TOKEN.' })
    }
    res.writeHead(204, { 'set-cookie': cookie, 'cache-control': 'no-store' }).end()
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost')
    const { pathname } = url
    const refuse = () =>
      // With a token the caller can fix it by sending one (401); without one no
      // credentials would help, only the operator setting a token (403).
      deps.adminToken
        ? sendJson(res, 401, { error: 'log in on the dashboard, or send Authorization: Bearer <GAFFER_ADMIN_TOKEN>' })
        : sendJson(res, 403, {
            error:
              'without GAFFER_ADMIN_TOKEN this answers only direct requests from this machine to a server listening on loopback (GAFFER_HOST=127.0.0.1, no Forwarded or X-Forwarded-* header); set GAFFER_ADMIN_TOKEN to reach it through a proxy or from elsewhere',
          })
    const route = async () => {
      const operation = operationsRoutes.get(pathname)
      if (operation !== undefined) {
        if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { error: `use GET for ${pathname}` })
        if (operation === 'health') return sendJson(res, 200, { status: 'ok' })
        if (operation === 'ready') {
          const readiness = await deps.readiness()
          return sendJson(res, readiness.ready ? 200 : 503, readiness)
        }
        if (!isAdminRequest(req, deps.adminToken, listenAddress(server))) return refuse()
        return sendText(res, 200, await deps.metrics.render(), deps.metrics.contentType)
      }
      if (deps.operationsOnly) {
        return sendJson(res, 404, {
          error: `no route for ${req.method} ${pathname}: this is a worker (GAFFER_PROCESS=worker); it serves /healthz, /readyz and /metrics`,
        })
      }
      if (pathname === WEBHOOK_PATH) {
        if (req.method !== 'POST') return sendJson(res, 405, { error: `use POST for ${WEBHOOK_PATH}` })
        return deps.webhook(req, res)
      }
      if (pathname === '/gaffer' || pathname === '/gaffer/') {
        if (req.method !== 'GET') return sendJson(res, 405, { error: 'use GET for /gaffer' })
        return sendPage(res)
      }
      if (pathname.startsWith('/gaffer/assets/') && req.method === 'GET') {
        if (await assets(req, res, pathname.slice('/gaffer/assets/'.length))) return
      }
      if (pathname === '/gaffer/login' && req.method === 'POST') return login(req, res)
      if (pathname === '/gaffer/logout' && req.method === 'POST') {
        if (!sameSiteForm(req)) return sendJson(res, 403, { error: 'log out from the dashboard page itself' })
        res.writeHead(204, { 'set-cookie': logoutCookie(isHttps(req)), 'cache-control': 'no-store' }).end()
        return
      }
      if (pathname.startsWith('/gaffer/api/')) {
        const access = adminAccess(req, { adminToken: deps.adminToken, session, listenAddress: listenAddress(server), now: now() })
        if (!access) return refuse()
        return api(req, res, url, access)
      }
      return sendJson(res, 404, { error: `no route for ${req.method} ${pathname}` })
    }
    route().catch((error: unknown) => {
      if (error instanceof BadRequestError) {
        if (!res.headersSent) sendJson(res, 400, { error: error.message })
        return
      }
      deps.log.error({ err: error, path: pathname }, 'request failed')
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error; see the server log' })
      else res.end()
    })
  })
  return server
}

/** `/healthz`: the process answers (no database asked). `/readyz`: it may be sent work. `/metrics`: Prometheus text. */
const operationsRoutes = new Map<string, 'health' | 'ready' | 'metrics'>([
  ['/healthz', 'health'],
  ['/readyz', 'ready'],
  ['/metrics', 'metrics'],
])

/**
 * The dashboard's shell. Its Content-Security-Policy lets only the dashboard's own files
 * run (no inline script, nothing from elsewhere) and forbids framing, so another site can
 * neither inject into the page nor click its buttons through a frame.
 */
function sendPage(res: ServerResponse): void {
  res.setHeader(
    'content-security-policy',
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  )
  res.setHeader('x-content-type-options', 'nosniff')
  res.setHeader('referrer-policy', 'same-origin')
  res.setHeader('cache-control', 'no-cache')
  sendHtml(res, 200, dashboardPage())
}

/** A login or logout posted by another site's page is refused: its Origin (or Sec-Fetch-Site) gives it away. */
function sameSiteForm(req: IncomingMessage): boolean {
  const site = req.headers['sec-fetch-site']
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false
  const origin = req.headers.origin
  if (origin === undefined) return true
  try {
    return new URL(origin).host === req.headers.host
  } catch {
    return false
  }
}

/** The address the server is bound to, read at request time: what it listens on decides who can reach it. */
function listenAddress(server: Server): string | undefined {
  const address = server.address()
  return address !== null && typeof address === 'object' ? address.address : undefined
}
