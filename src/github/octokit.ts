import type { ProbotOctokit } from 'probot'

/** An Octokit authenticated as one installation of the app (Probot's, with retries and throttling). */
export type Octokit = ProbotOctokit

export function splitRepository(fullName: string): { owner: string; repo: string } {
  const [owner, repo] = fullName.split('/')
  if (!owner || !repo) throw new Error(`"${fullName}" is not an owner/name repository`)
  return { owner, repo }
}

export function httpStatus(error: unknown): number | undefined {
  return typeof error === 'object' && error !== null && 'status' in error && typeof error.status === 'number' ? error.status : undefined
}
