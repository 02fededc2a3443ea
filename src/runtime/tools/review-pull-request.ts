import { z } from 'zod'
import { trustedMarker, withMarker } from '../../company/marker.ts'
import { httpStatus, splitRepository } from '../../github/octokit.ts'
import { returnForChanges } from '../../mirror/pull-requests.ts'
import { syncGate } from '../../mirror/quality-gate.ts'
import { cleanOutput } from '../output-hygiene.ts'
import { defineTool, ToolRefusal } from '../tool.ts'

const PullRequest = z.object({
  number: z.int(),
  body: z.string().nullable().optional(),
  user: z.object({ login: z.string() }).nullable().optional(),
  head: z.object({ sha: z.string() }), state: z.string() })

export const reviewPullRequest = defineTool({
  name: 'review_pull_request',
  description:
    'Review a pull request: a quality score 0-100 against your rubric, a verdict (approve or request_changes) and a summary with concrete fixes. Scores are kept per head commit.',
  parameters: z.strictObject({
    number: z.int().positive(),
    score: z.int().min(0).max(100),
    verdict: z.enum(['approve', 'request_changes']),
    summary: z.string().min(1).max(20_000),
    rubric: z.record(z.string(), z.number()).optional(),
  }),
  async run(ctx, { number, score, verdict, summary, rubric }) {
    if (ctx.agent.role !== 'reviewer') throw new ToolRefusal('only a reviewer may review pull requests')
    const { owner, repo } = splitRepository(ctx.repository)
    let pr: z.infer<typeof PullRequest>
    try {
      pr = PullRequest.parse((await ctx.octokit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', { owner, repo, pull_number: number })).data)
    } catch (error) {
      if (httpStatus(error) === 404) throw new ToolRefusal(`no pull request #${number}`)
      throw error
    }
    if (pr.state !== 'open') throw new ToolRefusal(`pull request #${number} is ${pr.state}`)
    const author = pr.user?.login ?? null
    if (trustedMarker({ author, body: pr.body }, ctx.botLogin())?.agent === ctx.agent.slug) throw new ToolRefusal('you cannot review a pull request you wrote')
    const verdictText = verdict === 'approve' ? 'Approve' : 'Request changes'
    // GitHub refuses an app's APPROVE or REQUEST_CHANGES on a pull request the app opened, so the
    // verdict travels in the review text, the stored score and the quality gate instead.
    await ctx.octokit.request('POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews', {
      owner,
      repo,
      pull_number: number,
      commit_id: pr.head.sha,
      event: 'COMMENT',
      body: withMarker(`**${verdictText}** — quality score ${score}/100\n\n${cleanOutput(summary, { maxChars: 20_000 })}`, {
        kind: 'review',
        agent: ctx.agent.slug,
        run: String(ctx.runId),
      }),
    })
    await ctx.pool.query(
      `insert into quality_scores (repository, pr_number, head_sha, agent, score, verdict, rubric) values ($1, $2, $3, $4, $5, $6, $7)
       on conflict (repository, pr_number, head_sha, agent) do update set score = excluded.score, verdict = excluded.verdict,
         rubric = excluded.rubric, created_at = now()`,
      [ctx.repository, number, pr.head.sha, ctx.agent.slug, score, verdict, rubric ?? {}],
    )
    const gate = await syncGate(ctx.pulls, ctx.octokit, ctx.repository, number)
    if (verdict === 'request_changes') await returnForChanges(ctx.pulls, ctx.octokit, ctx.repository, number, { author, body: pr.body }, cleanOutput(summary, { maxChars: 20_000 }))
    if (ctx.item().number === number) await ctx.setStatus('submit_for_review')
    return `Reviewed #${number} at ${pr.head.sha.slice(0, 7)}: ${verdict}, score ${score}. The quality gate is ${gate?.conclusion ?? 'unchanged'}.`
  },
})
