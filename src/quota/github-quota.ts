import type { RequestGate, ResponseHeaders } from '../github/observe-requests.ts'
import type { Logger } from '../log.ts'
import type { Pool } from '../store/pool.ts'
import { observeReportedQuota } from '../store/quota-buckets.ts'
import type { QuotaArbiter } from './quota-arbiter.ts'
import { noteGithubWrite } from './quota-priority.ts'
import { githubPrimaryBucket, githubWriteSpend } from './quota-settings.ts'

/**
 * The request hook's gate for GitHub (SPEC §17). A write asks the shared buckets of its
 * installation before it is sent (the primary limit; content-creating ones also both
 * content windows); a read spends nothing here (GitHub's headers count it) but waits
 * out a pause this process knows of. Every answer's `X-RateLimit-*` headers correct the
 * primary bucket, written to Postgres when the count moved by a hundredth of the limit
 * or a new window began, not on every answer. A 403/429 that is a rate limit (a
 * `retry-after`, a secondary-limit message, or no primary quota left) pauses the
 * installation's primary bucket for every replica and the request is sent again after it.
 * The app's own (JWT) requests are not the installations' quota and are only observed.
 */
export function createGithubQuota(deps: {
  pool: Pool
  log: Logger
  arbiter: QuotaArbiter
  onLimited?: (installation: string) => void
  now?: () => number
}): RequestGate {
  const { pool, log, arbiter } = deps
  const now = deps.now ?? Date.now
  const settings = arbiter.settings
  const written = new Map<string, { remaining: number; reset: number }>()

  function learn(installation: string, headers: ResponseHeaders): void {
    const limit = Number(headers['x-ratelimit-limit'])
    const remaining = Number(headers['x-ratelimit-remaining'])
    const reset = Number(headers['x-ratelimit-reset'])
    const resource = String(headers['x-ratelimit-resource'] ?? 'core')
    if (resource !== 'core' || !(limit > 0) || !Number.isFinite(remaining) || !(reset > 0)) return
    const { key } = githubPrimaryBucket(settings, installation)
    const last = written.get(key)
    const step = Math.max(1, Math.floor(limit / 100))
    if (last && last.reset === reset && last.remaining - remaining < step && remaining > 0) return
    written.set(key, { remaining, reset })
    void observeReportedQuota(pool, key, { limit, remaining, resetAt: new Date(reset * 1000), windowMs: settings.hourMs }).catch((error: unknown) =>
      log.warn({ err: error }, 'could not record the rate limit GitHub reported'),
    )
  }

  /** How long GitHub asked to wait, when the answer is a rate limit; undefined for any other refusal. */
  function limitPause(status: number | undefined, headers: ResponseHeaders | undefined, message: string): number | undefined {
    if (status !== 403 && status !== 429) return undefined
    const retryAfter = Number(headers?.['retry-after'])
    if (headers?.['retry-after'] !== undefined && Number.isFinite(retryAfter)) return retryAfter * 1000
    if (/secondary rate limit/i.test(message)) return settings.fallbackPauseMs
    // A spent search limit (30 a minute) says nothing of the installation's other requests: it pauses none of them.
    if (String(headers?.['x-ratelimit-remaining']) === '0' && String(headers?.['x-ratelimit-resource'] ?? 'core') === 'core') {
      const reset = Number(headers?.['x-ratelimit-reset'])
      return Number.isFinite(reset) ? Math.max(0, reset * 1000 - now()) + 1000 : settings.fallbackPauseMs
    }
    return undefined
  }

  return {
    async before({ installation, kind }) {
      if (installation === 'app') return
      if (kind !== 'read') {
        const grant = await arbiter.ask({ specs: githubWriteSpend(settings, installation, kind === 'content') })
        try {
          noteGithubWrite()
        } catch (error) {
          // Its claim was given back as the turn came: the write is not sent, and what it spent goes back.
          await grant.settle(false)
          throw error
        }
        return grant
      }
      const until = arbiter.pausedUntil(githubPrimaryBucket(settings, installation).key)
      if (until !== undefined) await new Promise((resolve) => setTimeout(resolve, until - now()))
      return undefined
    },
    async after({ installation, status, headers, message, ticket }) {
      if (installation === 'app') return false
      const pauseMs = limitPause(status, headers, message)
      if (pauseMs !== undefined) deps.onLimited?.(installation)
      if (!settings.enabled) return false
      // A request refused for a limit created nothing: its content spend goes back, and the retry asks again.
      await ticket?.settle(pauseMs === undefined)
      if (headers) learn(installation, headers)
      if (pauseMs === undefined) return false
      await arbiter.pause(
        [githubPrimaryBucket(settings, installation)],
        new Date(now() + pauseMs),
        `GitHub answered ${status}: ${message.slice(0, 200)}`,
      )
      return true
    },
  }
}
