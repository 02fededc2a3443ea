import { trustedMarker, withMarker } from '../company/marker.ts'
import { readPullRequest } from '../github/read-pull-request.ts'
import { createReviewComment } from '../github/writes.ts'
import { returnForChanges } from '../mirror/pull-requests.ts'
import { syncGate } from '../mirror/quality-gate.ts'
import { recordQualityScore } from '../store/quality-scores.ts'
import { cleanOutput } from './output-hygiene.ts'
import { ToolRefusal, type ToolContext } from './tool.ts'

export type ReviewVerdict = {
  number: number
  score: number
  verdict: 'approve' | 'request_changes'
  summary: string
  rubric?: Record<string, number> | undefined
}

/**
 * A reviewer's verdict on a pull request, whichever runtime produced it (the chat tool
 * review_pull_request, or a CLI reviewer's final JSON): the review text on GitHub, the
 * score for the head commit, the quality gate decided again, and the author's item sent
 * back on request_changes. Refusals (not a reviewer, no such open pull request, the
 * reviewer's own work) are ToolRefusals, so no score is recorded and the gate stays as it was.
 */
export async function submitReview(ctx: ToolContext, review: ReviewVerdict): Promise<string> {
  const { number, score, verdict, summary, rubric } = review
  if (ctx.agent.role !== 'reviewer') throw new ToolRefusal('only a reviewer may review pull requests')
  const pr = await readPullRequest(ctx.octokit, ctx.repository, number)
  if (!pr) throw new ToolRefusal(`no pull request #${number}`)
  if (pr.state !== 'open') throw new ToolRefusal(`pull request #${number} is ${pr.state}`)
  const author = pr.user?.login ?? null
  if (trustedMarker({ author, body: pr.body }, ctx.botLogin())?.agent === ctx.agent.slug)
    throw new ToolRefusal('you cannot review a pull request you wrote')
  const verdictText = verdict === 'approve' ? 'Approve' : 'Request changes'
  // GitHub refuses an app's APPROVE or REQUEST_CHANGES on a pull request the app opened, so the
  // verdict travels in the review text, the stored score and the quality gate instead.
  await createReviewComment(
    ctx.octokit,
    { repository: ctx.repository, number },
    {
      commitId: pr.head.sha,
      body: withMarker(`**${verdictText}** — quality score ${score}/100\n\n${cleanOutput(summary, { maxChars: 20_000 })}`, {
        kind: 'review',
        agent: ctx.agent.slug,
        run: String(ctx.runId),
      }),
    },
  )
  await recordQualityScore(ctx.pool, {
    repository: ctx.repository,
    number,
    headSha: pr.head.sha,
    agent: ctx.agent.slug,
    score,
    verdict,
    rubric: rubric ?? {},
  })
  const gate = await syncGate(ctx.pulls, ctx.octokit, ctx.repository, number)
  if (verdict === 'request_changes')
    await returnForChanges(ctx.pulls, ctx.octokit, ctx.repository, number, { author, body: pr.body }, cleanOutput(summary, { maxChars: 20_000 }))
  if (ctx.item().number === number) await ctx.setStatus('submit_for_review')
  return `Reviewed #${number} at ${pr.head.sha.slice(0, 7)}: ${verdict}, score ${score}. The quality gate is ${gate?.conclusion ?? 'unchanged'}.`
}
