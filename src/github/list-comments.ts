import { splitRepository, type Octokit } from './octokit.ts'
import { IssueComment } from './schema.ts'

/**
 * The comments on an issue or pull request, oldest first: every one, or with `since` only
 * those created or edited at or after that time (GitHub compares `updated_at`; a deleted
 * comment is simply not listed).
 */
export async function listComments(
  octokit: Octokit,
  item: { repository: string; number: number },
  options: { since?: Date } = {},
): Promise<IssueComment[]> {
  const { owner, repo } = splitRepository(item.repository)
  const comments = await octokit.paginate('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', {
    owner,
    repo,
    issue_number: item.number,
    per_page: 100,
    ...(options.since && { since: options.since.toISOString() }),
  })
  return IssueComment.array().parse(comments)
}
