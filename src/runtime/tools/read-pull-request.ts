import { z } from 'zod'
import { listPullRequestFiles } from '../../github/list-pull-request-files.ts'
import { listReviews } from '../../github/list-reviews.ts'
import type { Octokit } from '../../github/octokit.ts'
import { readCommitChecks } from '../../github/read-commit-checks.ts'
import { readPullRequest as readPull } from '../../github/read-pull-request.ts'
import { pullRequestText, type PullRequestView } from '../pull-request-text.ts'
import { defineTool, ToolRefusal } from '../tool.ts'

export const readPullRequestTool = defineTool({
  name: 'read_pull_request',
  description:
    'Read a pull request to review it: title, body, head commit, the files changed with their diffs (long diffs are cut, and say so), the CI check runs and commit statuses on the head, and earlier reviews.',
  parameters: z.strictObject({ number: z.int().positive() }),
  async run(ctx, { number }) {
    if (ctx.agent.role !== 'reviewer') throw new ToolRefusal('only a reviewer may read pull requests with this tool')
    const view = await loadPullRequestView(ctx.octokit, ctx.repository, number)
    if (!view) throw new ToolRefusal(`no pull request #${number}`)
    return pullRequestText(view)
  },
})

/** What a reviewer reads about a pull request, from GitHub now; undefined when there is no such pull request. */
export async function loadPullRequestView(octokit: Octokit, repository: string, number: number): Promise<PullRequestView | undefined> {
  const pr = await readPull(octokit, repository, number)
  if (!pr) return undefined
  const [{ files, more }, checks, reviews] = await Promise.all([
    listPullRequestFiles(octokit, repository, number),
    readCommitChecks(octokit, repository, pr.head.sha),
    listReviews(octokit, repository, number),
  ])
  return {
    number,
    title: pr.title,
    body: pr.body ?? '',
    state: pr.state,
    headRef: pr.head.ref,
    headSha: pr.head.sha,
    files,
    moreFiles: more,
    checks,
    reviews: reviews.map((review) => ({
      author: review.user?.login ?? 'ghost',
      state: review.state,
      body: review.body ?? '',
      ...(review.commit_id ? { commitId: review.commit_id } : {}),
    })),
  }
}
