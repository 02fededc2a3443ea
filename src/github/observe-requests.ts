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

type Headers = Record<string, string | number | undefined>
type RequestOptions = { method: string; url: string; baseUrl?: string }

/**
 * Probot's Octokit with a hook that reports every request once it has its answer (after
 * Probot's retries and throttle): who made it, its kind, the status and the rate limit
 * left. Which writes create content is the throttle plugin's own rule, so the `content`
 * kind counts exactly what Probot spaces out as content-creating.
 */
export function observeRequests(Octokit: typeof ProbotOctokit, observe: (request: ObservedRequest) => void): typeof ProbotOctokit {
  return Octokit.plugin((octokit, options: { auth?: { installationId?: number | string } }) => {
    const installation = options.auth?.installationId === undefined ? 'app' : String(options.auth.installationId)
    const report = (request: RequestOptions, status: number | undefined, headers: Headers | undefined) => {
      const route = routeOf(request)
      observe({ installation, kind: kindOf(request.method, route), status, route, rateLimit: rateLimitOf(headers) })
    }
    octokit.hook.after('request', (response, request) => report(request, response.status, response.headers as Headers))
    octokit.hook.error('request', (error, request) => {
      const response = (error as { response?: { status: number; headers: Headers } }).response
      report(request, response?.status, response?.headers)
      throw error
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

function rateLimitOf(headers: Headers | undefined): ObservedRequest['rateLimit'] {
  const remaining = Number(headers?.['x-ratelimit-remaining'])
  if (headers?.['x-ratelimit-remaining'] === undefined || !Number.isFinite(remaining)) return undefined
  return { resource: String(headers['x-ratelimit-resource'] ?? 'core'), remaining }
}
