import { z } from 'zod'
import { listPullRequestFiles } from '../../github/list-pull-request-files.ts'
import { listReviews } from '../../github/list-reviews.ts'
import { readCommitChecks } from '../../github/read-commit-checks.ts'
import { readPullRequest as readPull } from '../../github/read-pull-request.ts'
import { pullRequestText } from '../pull-request-text.ts'
import { defineTool, ToolRefusal } from '../tool.ts'

export const readPullRequest = defineTool({
  name: 'read_pull_request',
  description:
    'Read a pull request to review it: title, body, head commit, the files changed with their diffs (long diffs are cut, and say so), the CI check runs and commit statuses on the head, and earlier reviews.',
  parameters: z.strictObject({ number: z.int().positive() }),
  async run(ctx, { number }) {
    if (ctx.agent.role !== 'reviewer') throw new ToolRefusal('only a reviewer may read pull requests with this tool')
    const pr = await readPull(ctx.octokit, ctx.repository, number)
    if (!pr) throw new ToolRefusal(`no pull request #${number}`)
    const [{ files, more }, checks, reviews] = await Promise.all([
      listPullRequestFiles(ctx.octokit, ctx.repository, number),
      readCommitChecks(ctx.octokit, ctx.repository, pr.head.sha),
      listReviews(ctx.octokit, ctx.repository, number),
    ])
    return pullRequestText({
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
    })
  },
})
