import type { BucketSpend } from '../store/quota-buckets.ts'

/**
 * The limits the shared quota enforces (SPEC §17). GitHub's primary limit is what its
 * headers report; `primaryPerHour` only seeds a bucket no answer has reported on yet.
 * `minuteMs` and `hourMs` are real time except in the rate-limited bench, which runs
 * GitHub's hour faster.
 */
export type QuotaSettings = {
  /** Off: only Probot's per-process throttle stands between the work and GitHub's limits. */
  enabled: boolean
  github: { primaryPerHour: number; contentPerMinute: number; contentPerHour: number }
  /** Limits of each model; undefined: that limit is not enforced. `concurrent` is also each process's cap of items on one model. */
  model: { requestsPerMinute: number | undefined; tokensPerMinute: number | undefined; concurrent: number }
  minuteMs: number
  hourMs: number
  /** Longest a waiting ask goes without asking again; its waiter row lapses after three of these. */
  pollMs: number
  /** How long a secondary-limit answer without `retry-after` pauses a bucket (GitHub asks for at least a minute). */
  fallbackPauseMs: number
  /**
   * Added to GitHub's content windows. A content spend is counted from its answer's time
   * (it reached GitHub no later), and until then as made a window after it was asked, so
   * requests held up by Probot's spacing are counted as GitHub counts them; the margin is
   * what is left of an older guard against that delay, kept as slack.
   */
  windowMarginMs: number
}

export const defaultQuotaSettings: QuotaSettings = {
  enabled: true,
  github: { primaryPerHour: 5_000, contentPerMinute: 80, contentPerHour: 500 },
  model: { requestsPerMinute: undefined, tokensPerMinute: undefined, concurrent: 8 },
  minuteMs: 60_000,
  hourMs: 3_600_000,
  pollMs: 1_000,
  fallbackPauseMs: 60_000,
  windowMarginMs: 1_000,
}

/** The bucket that stands for an installation's whole GitHub quota: every request consults it, a pause stops them all. */
export function githubPrimaryBucket(settings: QuotaSettings, installation: string): Omit<BucketSpend, 'cost'> {
  return { key: `github:${installation}:primary`, kind: 'reported', capacity: settings.github.primaryPerHour, windowMs: settings.hourMs }
}

/** What one GitHub write spends: the primary limit, and for a content-creating one both content windows. */
export function githubWriteSpend(settings: QuotaSettings, installation: string, content: boolean): BucketSpend[] {
  const primary = { ...githubPrimaryBucket(settings, installation), cost: 1 }
  if (!content) return [primary]
  // Until its answer settles it, a content spend counts as made up to a window after the ask (migration 021).
  const minute = settings.minuteMs + settings.windowMarginMs
  const hour = settings.hourMs + settings.windowMarginMs
  return [
    primary,
    {
      key: `github:${installation}:content/min`,
      kind: 'window',
      capacity: settings.github.contentPerMinute,
      windowMs: minute,
      cost: 1,
      pendingMs: minute,
    },
    {
      key: `github:${installation}:content/hour`,
      kind: 'window',
      capacity: settings.github.contentPerHour,
      windowMs: hour,
      cost: 1,
      pendingMs: hour,
    },
  ]
}

/** The buckets of one model call: requests and tokens a minute when configured, and the concurrent calls. */
export function modelCallSpend(settings: QuotaSettings, model: string, estimatedTokens: number): BucketSpend[] {
  const { requestsPerMinute, tokensPerMinute, concurrent } = settings.model
  return [
    ...(requestsPerMinute === undefined
      ? []
      : [{ key: `model:${model}:requests/min`, kind: 'window' as const, capacity: requestsPerMinute, windowMs: settings.minuteMs, cost: 1 }]),
    ...(tokensPerMinute === undefined
      ? []
      : [
          {
            key: `model:${model}:tokens/min`,
            kind: 'window' as const,
            capacity: tokensPerMinute,
            windowMs: settings.minuteMs,
            cost: estimatedTokens,
          },
        ]),
    { key: `model:${model}:concurrent`, kind: 'concurrent', capacity: concurrent, windowMs: 0, cost: 1 },
  ]
}
