import { splitRepository, type Octokit } from './octokit.ts'
import { IssueComment } from './schema.ts'

/** Every comment on an issue or pull request, oldest first. */
export async function listComments(octokit: Octokit, item: { repository: string; number: number }): Promise<IssueComment[]> {
  const { owner, repo } = splitRepository(item.repository)
  const comments = await octokit.paginate('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', {
    owner,
    repo,
    issue_number: item.number,
    per_page: 100,
  })
  return IssueComment.array().parse(comments)
}
