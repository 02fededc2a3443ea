import Bottleneck from 'bottleneck'
import type { ProbotOctokit } from 'probot'

/** The throttle's write limiters, one lane per installation (`keys()` lists the lanes in use). */
export type WriteLanes = { write: Bottleneck.Group; notifications: Bottleneck.Group }

/** Lanes spacing writes `minTime` apart, and content-creating ones three times that. */
export function writeLanes(minTime: number): WriteLanes {
  return {
    write: new Bottleneck.Group({ id: 'gaffer-write', maxConcurrent: 1, minTime }),
    notifications: new Bottleneck.Group({ id: 'gaffer-notifications', maxConcurrent: 1, minTime: minTime * 3 }),
  }
}

/**
 * Probot's Octokit with its write throttle spaced as configured (GAFFER_GITHUB_WRITE_SPACING_MS);
 * content-creating writes (issues, comments) keep the throttle's threefold spacing. Its
 * other rules stay. Each installation gets its own lanes: the throttle keys its limiters
 * by `throttle.id`, which Probot sets on `probot.auth(id)` clients but not on the clients
 * it gives webhook handlers, so without this every installation's webhook writes would
 * queue in one shared "no-id" lane. Both kinds of client of one installation share its lane.
 */
export function withWriteSpacing(Octokit: typeof ProbotOctokit, lanes: WriteLanes): typeof ProbotOctokit {
  const { write, notifications } = lanes
  // A function, not an object: Probot passes its own throttle options, which an object default would replace.
  return Octokit.defaults((options: { throttle?: { id?: string }; auth?: { installationId?: number | string }; retry?: object }) => ({
    ...options,
    throttle: { ...options.throttle, ...throttleId(options), write, notifications },
    retry: { doNotRetry: NOT_RETRIED, ...options.retry },
  })) as typeof ProbotOctokit
}

/**
 * The retry plugin's own list, and 429: a rate-limit answer is not retried blindly on a
 * back-off of its own. The throttle still retries what GitHub's rules say to, and the
 * shared quota pauses the installation for every replica and sends it again after
 * `retry-after` (src/quota/github-quota.ts).
 */
const NOT_RETRIED = [400, 401, 403, 404, 410, 422, 429, 451]

/** The lane of an installation's client: the installation id, as Probot names it. */
function throttleId(options: { throttle?: { id?: string }; auth?: { installationId?: number | string } }): { id?: string } {
  const installationId = options.auth?.installationId
  return installationId === undefined ? {} : { id: String(installationId) }
}
