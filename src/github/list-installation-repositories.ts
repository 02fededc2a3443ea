import { z } from 'zod'
import { httpStatus, type Octokit } from './octokit.ts'

const RepositoryList = z.array(z.object({ full_name: z.string(), default_branch: z.string().optional(), archived: z.boolean().optional() }))

export type InstalledRepository = { fullName: string; defaultBranch: string }

/**
 * The repositories one installation can reach. GitHub answers `GET /installation/repositories`;
 * a GitHub API without that endpoint (the emulator in the sandbox) is asked through
 * repository search scoped to the installation's account instead.
 */
export async function listInstallationRepositories(octokit: Octokit, account: string): Promise<InstalledRepository[]> {
  let repositories: unknown[]
  try {
    repositories = await octokit.paginate('GET /installation/repositories', { per_page: 100 })
  } catch (error) {
    if (httpStatus(error) !== 404) throw error
    repositories = await octokit.paginate('GET /search/repositories', { q: `user:${account}`, per_page: 100 })
  }
  return RepositoryList.parse(repositories)
    .filter((repo) => !repo.archived)
    .map((repo) => ({ fullName: repo.full_name, defaultBranch: repo.default_branch ?? 'main' }))
}
