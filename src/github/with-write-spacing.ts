import Bottleneck from 'bottleneck'
import type { ProbotOctokit } from 'probot'

/**
 * Probot's Octokit with its write throttle spaced as configured; content-creating
 * writes (issues, comments) keep the throttle's threefold spacing. Its other rules stay.
 */
export function withWriteSpacing(Octokit: typeof ProbotOctokit, minTime: number): typeof ProbotOctokit {
  const write = new Bottleneck.Group({ id: 'gaffer-write', maxConcurrent: 1, minTime })
  const notifications = new Bottleneck.Group({ id: 'gaffer-notifications', maxConcurrent: 1, minTime: minTime * 3 })
  // A function, not an object: Probot passes its own throttle options, which an object default would replace.
  return Octokit.defaults((options: { throttle?: object }) => ({
    ...options,
    throttle: { ...options.throttle, write, notifications },
  })) as typeof ProbotOctokit
}
