import { ProbotOctokit } from 'probot'

// BENCH_TRACE=1 prints every counted request to stderr, to see where a figure comes from.
const trace = Boolean(process.env.BENCH_TRACE)
const creates = /\/(issues|comments|pulls|reviews|releases)$/

/** Probot's Octokit with a plugin that counts every request: reads, writes, and content-creating POSTs. */
export function countingOctokit() {
  const counts = { reads: 0, writes: 0, creating: 0 }
  const Counting = ProbotOctokit.plugin((octokit) => {
    octokit.hook.before('request', (request) => {
      if (request.method === 'GET') counts.reads += 1
      else counts.writes += 1
      if (request.method === 'POST' && creates.test(request.url)) counts.creating += 1
      if (trace) console.error(`github: ${request.method} ${request.url}`)
    })
  })
  return {
    Octokit: Counting,
    counts,
    total: () => counts.reads + counts.writes,
    reset() {
      counts.reads = 0
      counts.writes = 0
      counts.creating = 0
    },
  }
}
