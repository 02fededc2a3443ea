import { throttling } from '@octokit/plugin-throttling'
import type { ProbotOctokit } from 'probot'

/** `content`: a write GitHub notifies people about (issues, comments, pull requests, reviews), held to its stricter secondary limit. */
export type RequestKind = 'read' | 'write' | 'content'

export type ObservedRequest = {
  /** The installation whose token made the request, or `app` for the app's own (JWT) requests. */
  installation: string
  kind: RequestKind
  /** GitHub's answer; undefined when none came (the connection failed). */
  status: number | undefined
  /** The path below the API's base URL: a route such as `/repos/{owner}/{repo}/issues`, or the path itself. */
  route: string
  /** From the `X-RateLimit-*` headers of the answer, when it had them. */
  rateLimit: { resource: string; remaining: number } | undefined
}

export type ResponseHeaders = Record<string, string | number | undefined>

/** What a gate's `before` hands its `after` for the same request: settles what the turn spent once the answer is known. */
export type GateTicket = { settle(sent: boolean): Promise<void> }

/**
 * What stands between a request and GitHub besides Probot's throttle: the shared quota.
 * `before` waits the request's turn; `after` learns from the answer (with the ticket
 * `before` gave) and says whether a refused request (a rate-limit answer) is to be sent
 * again once its turn comes back.
 */
export type RequestGate = {
  before(request: { installation: string; kind: RequestKind }): Promise<GateTicket | undefined>
  after(answer: {
    installation: string
    kind: RequestKind
    status: number | undefined
    headers: ResponseHeaders | undefined
    message: string
    ticket?: GateTicket | undefined
  }): Promise<boolean>
}

type RequestOptions = { method: string; url: string; baseUrl?: string }

/** A request refused for a limit is sent again at most this many times, each after its bucket's pause. */
const LIMIT_RETRIES = 3

/**
 * Probot's Octokit with the one hook every request passes (outside Probot's retries and
 * throttle): the gate asks for its turn before it is sent, and once it has its answer
 * the gate learns from it and `observe` reports it (who made it, its kind, the status and
 * the rate limit left). Which writes create content is the throttle plugin's own rule,
 * so the `content` kind counts exactly what Probot spaces out as content-creating.
 */
export function observeRequests(
  Octokit: typeof ProbotOctokit,
  observe: (request: ObservedRequest) => void,
  gate?: RequestGate,
): typeof ProbotOctokit {
  return Octokit.plugin((octokit, options: { auth?: { installationId?: number | string } }) => {
    const installation = options.auth?.installationId === undefined ? 'app' : String(options.auth.installationId)
    octokit.hook.wrap('request', async (request, requestOptions) => {
      const { method } = requestOptions as RequestOptions
      const route = routeOf(requestOptions as RequestOptions)
      const kind = kindOf(method, route)
      for (let attempt = 0; ; attempt += 1) {
        const ticket = await gate?.before({ installation, kind })
        try {
          const response = await request(requestOptions)
          const headers = response.headers as ResponseHeaders
          observe({ installation, kind, status: response.status, route, rateLimit: rateLimitOf(headers) })
          await gate?.after({ installation, kind, status: response.status, headers, message: '', ticket })
          return response
        } catch (error) {
          const response = (error as { response?: { status: number; headers: ResponseHeaders } }).response
          observe({ installation, kind, status: response?.status, route, rateLimit: rateLimitOf(response?.headers) })
          const message = (error as Error).message ?? ''
          const again = gate ? await gate.after({ installation, kind, status: response?.status, headers: response?.headers, message, ticket }) : false
          if (!again || attempt >= LIMIT_RETRIES) throw error
        }
      }
    })
  }) as typeof ProbotOctokit
}

/** The path below the API's base URL, without the query: pagination and some reads ask with whole URLs. */
function routeOf(request: RequestOptions): string {
  const url = request.baseUrl !== undefined && request.url.startsWith(request.baseUrl) ? request.url.slice(request.baseUrl.length) : request.url
  return url.split('?')[0]!
}

function kindOf(method: string, route: string): RequestKind {
  if (method === 'GET' || method === 'HEAD') return 'read'
  return throttling.triggersNotification(route) ? 'content' : 'write'
}

function rateLimitOf(headers: ResponseHeaders | undefined): ObservedRequest['rateLimit'] {
  const remaining = Number(headers?.['x-ratelimit-remaining'])
  if (headers?.['x-ratelimit-remaining'] === undefined || !Number.isFinite(remaining)) return undefined
  return { resource: String(headers['x-ratelimit-resource'] ?? 'core'), remaining }
}
