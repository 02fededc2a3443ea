import { z } from 'zod'
import { httpStatus, splitRepository, type Octokit } from './octokit.ts'
import { CheckRunList } from './schema.ts'

const CombinedStatus = z.object({
  statuses: z.array(z.object({ context: z.string(), state: z.string(), description: z.string().nullable().optional() })),
})

export type CommitCheck = { kind: 'check run' | 'status'; name: string; state: string; title?: string }

/**
 * What CI says about a commit: its check runs (GitHub Actions, apps) and its commit
 * statuses (older CI services), the newest of each name. A GitHub that serves no
 * combined status (the emulated one) counts as a commit without statuses.
 */
export async function readCommitChecks(octokit: Octokit, repository: string, sha: string): Promise<CommitCheck[]> {
  const { owner, repo } = splitRepository(repository)
  const runs = CheckRunList.parse(
    (await octokit.request('GET /repos/{owner}/{repo}/commits/{ref}/check-runs', { owner, repo, ref: sha, filter: 'latest', per_page: 100 })).data,
  ).check_runs.map((run): CommitCheck => {
    const title = run.output?.title ?? undefined
    return { kind: 'check run', name: run.name, state: run.conclusion ?? run.status, ...(title ? { title } : {}) }
  })
  let statuses: CommitCheck[] = []
  try {
    const { data } = await octokit.request('GET /repos/{owner}/{repo}/commits/{ref}/status', { owner, repo, ref: sha, per_page: 100 })
    statuses = CombinedStatus.parse(data).statuses.map((status): CommitCheck => {
      const title = status.description ?? undefined
      return { kind: 'status', name: status.context, state: status.state, ...(title ? { title } : {}) }
    })
  } catch (error) {
    if (httpStatus(error) !== 404) throw error
  }
  return [...runs, ...statuses]
}
