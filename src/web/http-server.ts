import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { Logger } from '../log.ts'
import type { Metrics } from '../metrics/metrics.ts'
import { isAdminRequest } from './admin-auth.ts'
import { dashboardPage } from './dashboard-page.ts'
import type { Readiness } from './readiness.ts'
import { sendHtml, sendJson, sendText } from './send.ts'

export const WEBHOOK_PATH = '/api/github/webhooks'

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>

/**
 * Gaffer's HTTP surface: Probot's webhook path, the dashboard, the admin API, and the
 * operations endpoints (`/healthz`, `/readyz`, `/metrics`). Everything under /gaffer/api
 * and /metrics needs the admin token (or, without one, a server listening on loopback and
 * a direct loopback request). A worker serves only the operations endpoints.
 */
export function createHttpServer(deps: {
  log: Logger
  adminToken: string | undefined
  webhook: Handler
  state: () => Promise<unknown>
  /** Runs an agent's heartbeat now; undefined when there is no such agent. */
  wake: (agent: string, repository: string | undefined) => Promise<unknown>
  readiness: () => Promise<Readiness>
  metrics: Pick<Metrics, 'render' | 'contentType'>
  /** Serve only /healthz, /readyz and /metrics (a worker: no webhooks, no admin API). */
  operationsOnly?: boolean
}): Server {
  const server = createServer((req, res) => {
    const { pathname, searchParams } = new URL(req.url ?? '/', 'http://localhost')
    const refuse = () =>
      // With a token the caller can fix it by sending one (401); without one no
      // credentials would help, only the operator setting a token (403).
      deps.adminToken
        ? sendJson(res, 401, { error: 'send Authorization: Bearer <GAFFER_ADMIN_TOKEN>' })
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
        return sendHtml(res, 200, dashboardPage())
      }
      if (pathname.startsWith('/gaffer/api/')) {
        if (!isAdminRequest(req, deps.adminToken, listenAddress(server))) return refuse()
        if (pathname === '/gaffer/api/state' && req.method === 'GET') return sendJson(res, 200, await deps.state())
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
      }
      return sendJson(res, 404, { error: `no route for ${req.method} ${pathname}` })
    }
    route().catch((error: unknown) => {
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

/** The address the server is bound to, read at request time: what it listens on decides who can reach it. */
function listenAddress(server: Server): string | undefined {
  const address = server.address()
  return address !== null && typeof address === 'object' ? address.address : undefined
}
