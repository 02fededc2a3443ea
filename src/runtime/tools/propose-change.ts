import { z } from 'zod'
import { HOLD_LABEL } from '../../company/labels.ts'
import { trustedProvenance, withMarker } from '../../company/marker.ts'
import { openPullRequestsFrom } from '../../github/read-pull-request.ts'
import { toGitHubItem } from '../../github/schema.ts'
import { BranchMovedError, changeLabels, commitFiles, openPullRequest, updatePullRequest } from '../../github/writes.ts'
import { getRepository } from '../../store/repositories.ts'
import { routePullRequestToReviewer } from '../../mirror/pull-requests.ts'
import { recordLabels, upsertWorkItem } from '../../store/work-items.ts'
import { cleanOutput } from '../output-hygiene.ts'
import { defineTool, ToolRefusal } from '../tool.ts'

const FilePath = z
  .string()
  .min(1)
  .max(400)
  .refine((p) => !p.split('/').includes('..') && !p.startsWith('/') && !p.startsWith('.git/') && !p.startsWith('.github/'), {
    message: 'use a path relative to the repository root, outside .git/ and .github/, without ..',
  })

/**
 * The text of a proposed change's pull request (before its marker): the agent's cleaned
 * summary and the line that closes the item. A pull request that could not be a draft
 * says why it carries the hold label, so a person knows to remove it.
 */
export function proposalBody(summary: string, itemNumber: number, options: { held: boolean }): string {
  const hold = options.held
    ? `\n\n> This pull request could not be opened as a draft here, so it carries \`${HOLD_LABEL}\` instead: remove the label when it is ready to merge.`
    : ''
  return `${cleanOutput(summary, { maxChars: 20_000 })}\n\nCloses #${itemNumber}${hold}`
}

export const proposeChange = defineTool({
  name: 'propose_change',
  description:
    'Commit whole files (their complete new content) to your branch gaffer/<you>/<item> and open a draft pull request that closes the current item, which then goes to review. The branch keeps what it already holds (your earlier changes and anything people pushed to it).',
  parameters: z.strictObject({
    title: z.string().min(3).max(200),
    body: z.string().min(1).max(20_000),
    files: z.array(z.strictObject({ path: FilePath, content: z.string().max(200_000) })).min(1).max(20),
    branch: z.string().max(200).optional(),
  }),
  async run(ctx, { title, body, files, branch: wanted }) {
    const item = ctx.item()
    const prefix = `gaffer/${ctx.agent.slug}/`
    const branch = wanted ?? `${prefix}${item.number}`
    if (!branch.startsWith(prefix) || !/^[\w./-]+$/.test(branch)) throw new ToolRefusal(`the branch must be under ${prefix}, e.g. ${prefix}${item.number}`)
    const base = (await getRepository(ctx.pool, ctx.repository))?.default_branch ?? 'main'

    try {
      await commitFiles(ctx.octokit, ctx.repository, { branch, base, message: `${title}\n\nFor #${item.number}.`, files })
    } catch (error) {
      if (error instanceof BranchMovedError) throw new ToolRefusal(`${branch} keeps changing under you (someone is pushing to it); try again on your next run`)
      throw error
    }

    const marker = { agent: ctx.agent.slug, depth: item.delegation_depth, parent: item.number, run: String(ctx.runId) }
    const text = (held: boolean) => withMarker(proposalBody(body, item.number, { held }), marker)
    const prTitle = cleanOutput(title.replace(/\s+/g, ' '), { maxChars: 200 })
    const [existing] = await openPullRequestsFrom(ctx.octokit, ctx.repository, branch)
    // A pull request that is not a draft and carries the hold label is one GitHub would not open as a draft.
    const held = (labels: ReadonlyArray<string | { name: string }>) => labels.some((label) => (typeof label === 'string' ? label : label.name) === HOLD_LABEL)
    const pr = existing
      ? await updatePullRequest(ctx.octokit, { repository: ctx.repository, number: existing.number }, { title: prTitle, body: text(existing.draft === false && held(existing.labels)) })
      : await openPullRequest(ctx.octokit, ctx.repository, { title: prTitle, head: branch, base, body: text(false), bodyIfNotDraft: text(true) })
    const mirrored = toGitHubItem(ctx.repository, pr, 'pull')
    // A pull request someone else opened from this branch stays theirs, whatever marker Gaffer wrote into it.
    await upsertWorkItem(ctx.pool, mirrored, { provenance: trustedProvenance(mirrored, ctx.botLogin()) })
    if (!existing && pr.draft !== true) {
      const labels = await changeLabels(ctx.octokit, { repository: ctx.repository, number: pr.number }, { add: [HOLD_LABEL] })
      // Mirrored at once: the echo of this write changes no labels.
      if (labels) await recordLabels(ctx.pool, ctx.repository, pr.number, labels)
    }
    // The webhook echo of Gaffer's own write triggers nothing, so routing and gating happen here.
    await routePullRequestToReviewer(ctx.pulls, ctx.octokit, ctx.repository, pr.number)
    if (!(await ctx.setStatus('submit_for_review'))) throw new ToolRefusal('the item is no longer in progress')
    const kind = pr.draft === true ? 'draft pull request' : `pull request (not a draft: this repository refused one; held with ${HOLD_LABEL})`
    return `${existing ? 'Updated' : 'Opened'} ${kind} #${pr.number} from ${branch}; #${item.number} is in review.`
  },
})
