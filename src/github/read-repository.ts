import { splitRepository, type Octokit } from './octokit.ts'
import { GitHubRepository } from './schema.ts'

/** The repository's default branch as GitHub has it now (`main` when GitHub does not say). */
export async function readDefaultBranch(octokit: Octokit, fullName: string): Promise<string> {
  const { owner, repo } = splitRepository(fullName)
  const { data } = await octokit.request('GET /repos/{owner}/{repo}', { owner, repo })
  return GitHubRepository.parse(data).default_branch ?? 'main'
}
