import { messageWithCause } from '../message-with-cause.ts'

/** The settings a start-up error can be traced back to. */
export type StartSettings = { githubApiUrl: string }

type ErrorLike = {
  message?: unknown
  name?: unknown
  code?: unknown
  status?: unknown
  /** Set when GitHub answered; Octokit gives a request that got no answer the status 500 without one. */
  response?: unknown
  request?: { url?: unknown }
  cause?: unknown
}

/**
 * One line for a start that failed: always a message (a rejection without a reason
 * once printed `gaffer: undefined`), and for a GitHub request the setting to check,
 * since `connect ECONNREFUSED 127.0.0.1:2` alone does not say where that address came from.
 */
export function explainStartError(error: unknown, settings: StartSettings): string {
  const text = messageOf(error)
  const e = (typeof error === 'object' && error !== null ? error : {}) as ErrorLike
  const url = typeof e.request?.url === 'string' ? e.request.url : undefined
  if (url === undefined || typeof e.status !== 'number') return text
  const where = `${url.split('?')[0]}`
  if (e.response === undefined) {
    return `the GitHub API at GITHUB_API_URL (${settings.githubApiUrl}) could not be reached (${where}): ${text}; check GITHUB_API_URL and that GitHub is reachable from here`
  }
  if (e.status === 401 || e.status === 403 || (e.status === 404 && /\/app(\/|$)/.test(new URL(where).pathname))) {
    return `GitHub refused the app (${e.status} from ${where}): ${text}; check APP_ID and PRIVATE_KEY (or PRIVATE_KEY_PATH): the key must be one generated for that app`
  }
  return `the GitHub API at GITHUB_API_URL (${settings.githubApiUrl}) failed (${e.status} from ${where}): ${text}; check GITHUB_API_URL and that GitHub is reachable from here`
}

function messageOf(error: unknown): string {
  if (error === undefined || error === null) return 'failed without saying why (no error was given); run with LOG_LEVEL=debug for more'
  return messageWithCause(error)
}
