import type { Octokit } from './octokit.ts'

/** Counts every request an Octokit makes from now on (conditional 304s included). */
export function countRequests(octokit: Octokit): { readonly count: number } {
  const counter = { count: 0 }
  octokit.hook.before('request', () => {
    counter.count += 1
  })
  return counter
}
