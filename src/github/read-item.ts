import { GitHubIssue, toGitHubItem } from './schema.ts'
import { splitRepository, type Octokit } from './octokit.ts'
import type { EtagCache } from './etag-cache.ts'
import type { GitHubItem } from '../store/work-items.ts'

/**
 * Reads one issue or pull request as the mirror keeps it, conditionally when a cache is
 * given. Pull requests are read from the pulls endpoint: every GitHub serves them there
 * (not every GitHub API serves them as issues). `changed` is false on a 304.
 */
export async function readItem(
  octokit: Octokit,
  repository: string,
  number: number,
  kind: 'issue' | 'pull',
  etags?: EtagCache,
): Promise<{ item: GitHubItem; changed: boolean }> {
  const { owner, repo } = splitRepository(repository)
  const route = kind === 'pull' ? 'GET /repos/{owner}/{repo}/pulls/{pull_number}' : 'GET /repos/{owner}/{repo}/issues/{issue_number}'
  const parameters = kind === 'pull' ? { owner, repo, pull_number: number } : { owner, repo, issue_number: number }
  const read = etags ? await etags.get(octokit, route, parameters) : { data: (await octokit.request(route, parameters)).data, changed: true }
  return { item: toGitHubItem(repository, GitHubIssue.parse(read.data), kind), changed: read.changed }
}
