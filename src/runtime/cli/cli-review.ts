import { clearFailures } from '../../store/item-context.ts'
import type { Pool } from '../../store/pool.ts'
import { submitReview } from '../submit-review.ts'
import type { PullRequestView } from '../pull-request-text.ts'
import { ToolRefusal, type ToolContext } from '../tool.ts'
import { blockedReason } from './cli-prompt.ts'
import { parseReviewVerdict } from './review-verdict.ts'
import type { CliResult } from './run-cli.ts'

export type ReviewOutcome = 'reviewed' | 'blocked' | 'failed'

/**
 * The end of a CLI reviewer's run (SPEC §14): its final JSON verdict goes through the
 * same submitReview as the chat tool. The gate fails closed: a report without a
 * readable verdict records no score and blocks the review item with a comment saying
 * why, so the pull request cannot pass until someone reviews it again. Files the CLI
 * changed are never published: a reviewer does not write code.
 */
export async function settleReview(
  deps: { pool: Pool },
  ctx: ToolContext,
  review: { view: PullRequestView; result: CliResult; checkedOut: string },
): Promise<ReviewOutcome | 'exit'> {
  const { view, result } = review
  const blocked = result.exitCode === 2 ? result.report.trim() || 'the CLI exited 2 (blocked) without a reason' : blockedReason(result.report)
  if (blocked !== undefined) {
    await ctx.setStatus('block', blocked)
    return 'blocked'
  }
  if (result.exitCode !== 0) return 'exit'
  const unreadable = (why: string) =>
    `${ctx.agent.name}'s review of #${view.number} could not be used: ${why}. No score was recorded, so the quality gate stays closed. Run the review again (set \`status:todo\`) or review the pull request by hand.`
  if (review.checkedOut !== view.headSha) {
    await ctx.setStatus(
      'block',
      unreadable(
        `the checkout was ${review.checkedOut.slice(0, 7)}, not the head ${view.headSha.slice(0, 7)} (a branch from a fork, or a push during the review)`,
      ),
    )
    return 'blocked'
  }
  const parsed = parseReviewVerdict(result.report)
  if ('error' in parsed) {
    await ctx.setStatus('block', unreadable(parsed.error))
    return 'blocked'
  }
  try {
    await submitReview(ctx, { number: view.number, ...parsed.verdict })
  } catch (error) {
    if (!(error instanceof ToolRefusal)) throw error
    await ctx.setStatus('block', unreadable(error.message))
    return 'blocked'
  }
  await clearFailures(deps.pool, ctx.repository, view.number)
  return 'reviewed'
}
