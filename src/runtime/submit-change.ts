import { HOLD_LABEL } from '../company/labels.ts'
import { trustedProvenance, withMarker } from '../company/marker.ts'
import { openPullRequestsFrom } from '../github/read-pull-request.ts'
import { toGitHubItem } from '../github/schema.ts'
import { changeLabels, commitFiles, createComment, openPullRequest, updatePullRequest, type CommittedFile } from '../github/writes.ts'
import { routePullRequestToReviewer } from '../mirror/pull-requests.ts'
import { getRepository } from '../store/repositories.ts'
import { upsertWorkItem } from '../store/upsert-work-item.ts'
import { recordLabels } from '../store/work-items.ts'
import { cleanOutput } from './output-hygiene.ts'
import type { ToolContext } from './tool.ts'

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

/**
 * The commit message of an agent's change: its cleaned title (a closing keyword in a
 * commit message would close an issue when the commit reaches the default branch), the
 * item it is for, and the agent in a trailer, since the commit's author is the app.
 */
export function changeCommitMessage(title: string, itemNumber: number, agent: string): string {
  return `${cleanOutput(title.replace(/\s+/g, ' '), { maxChars: 200 })}\n\nFor #${itemNumber}.\n\nGaffer-Agent: ${agent}`
}

/**
 * What an agent says on a pull request a person opened from its branch, instead of
 * rewriting that person's title and description: which change it pushed, and why.
 */
export function pushedChangeNote(change: { agent: string; title: string; summary: string; itemNumber: number }): string {
  const summary = cleanOutput(change.summary, { maxChars: 20_000 })
  return `${change.agent} pushed a change to this branch for #${change.itemNumber}: **${change.title}**\n\n${summary}`
}

export type SubmittedChange = {
  number: number
  url: string | undefined
  /** An open pull request from the branch was updated rather than a new one opened. */
  updated: boolean
  draft: boolean
  /** The item moved to review; false when it was no longer in progress (a person moved it meanwhile). */
  inReview: boolean
}

/**
 * How a change's files reach its branch, returning the commit's SHA and whether the
 * branch was created by it (false when unknown): the Git Data API (`commitFiles`) unless a
 * CLI's workspace pushes with git. Either way the branch only moves forward, and a branch
 * that does not exist yet starts from `base`. `likelyNew` says nothing suggests the branch
 * exists, so the Git Data API creates it without reading it first (a branch that exists
 * after all is still built on).
 */
export type CommitChange = (change: {
  branch: string
  base: string
  message: string
  files: readonly CommittedFile[]
  likelyNew: boolean
}) => Promise<{ sha: string; createdBranch: boolean }>

/**
 * An agent's change, however it was made (files from `propose_change`, or a CLI's
 * workspace): committed on the agent's branch on top of what it holds, one draft pull
 * request that closes the item opened or updated, routed to a reviewer, item → review.
 * Throws `BranchMovedError` when the branch keeps moving under the commit.
 */
export async function submitChange(
  ctx: ToolContext,
  change: { branch: string; title: string; body: string; files: readonly CommittedFile[]; likelyNew: boolean },
  commit: CommitChange = (files) => commitFiles(ctx.octokit, ctx.repository, files),
): Promise<SubmittedChange> {
  const item = ctx.item()
  const { branch, likelyNew } = change
  const base = (await getRepository(ctx.pool, ctx.repository))?.default_branch ?? 'main'
  const message = changeCommitMessage(change.title, item.number, ctx.agent.slug)
  const committed = await commit({ branch, base, message, files: change.files, likelyNew })

  const marker = { agent: ctx.agent.slug, depth: item.delegation_depth, parent: item.number, run: String(ctx.runId) }
  const text = (held: boolean) => withMarker(proposalBody(change.body, item.number, { held }), marker)
  const title = cleanOutput(change.title.replace(/\s+/g, ' '), { maxChars: 200 })
  // A branch this commit created has no pull request yet: nothing to look up.
  const [existing] = committed.createdBranch ? [] : await openPullRequestsFrom(ctx.octokit, ctx.repository, branch)
  // A pull request that is not a draft and carries the hold label is one GitHub would not open as a draft.
  const held = (labels: ReadonlyArray<string | { name: string }>) =>
    labels.some((label) => (typeof label === 'string' ? label : label.name) === HOLD_LABEL)
  // A person's pull request from the agent's branch keeps the title and description they wrote.
  const ours = existing?.user?.login === ctx.botLogin()
  const pr = !existing
    ? await openPullRequest(ctx.octokit, ctx.repository, { title, head: branch, base, body: text(false), bodyIfNotDraft: text(true) })
    : ours
      ? await updatePullRequest(
          ctx.octokit,
          { repository: ctx.repository, number: existing.number },
          { title, body: text(existing.draft === false && held(existing.labels)) },
        )
      : existing
  if (existing && !ours) {
    const note = pushedChangeNote({ agent: ctx.agent.slug, title, summary: change.body, itemNumber: item.number })
    await createComment(ctx.octokit, { repository: ctx.repository, number: existing.number }, withMarker(note, marker))
  }
  const mirrored = toGitHubItem(ctx.repository, pr, 'pull')
  // A pull request someone else opened from this branch stays theirs, whatever marker Gaffer wrote into it.
  await upsertWorkItem(ctx.pool, mirrored, { provenance: trustedProvenance(mirrored, ctx.botLogin()) })
  let labels = pr.labels
  if (!existing && pr.draft !== true) {
    const held = await changeLabels(ctx.octokit, { repository: ctx.repository, number: pr.number }, { add: [HOLD_LABEL] })
    // Mirrored at once: the echo of this write changes no labels.
    if (held) await recordLabels(ctx.pool, ctx.repository, pr.number, held)
    labels = held?.map((name) => ({ name })) ?? labels
  }
  // The webhook echo of Gaffer's own write triggers nothing, so routing and gating happen here;
  // a pull request this run opened is gated from what opening it answered, not read again.
  await routePullRequestToReviewer(ctx.pulls, ctx.octokit, ctx.repository, pr.number, existing ? undefined : { ...pr, labels })
  const inReview = await ctx.setStatus('submit_for_review')
  return { number: pr.number, url: pr.html_url, updated: existing !== undefined, draft: pr.draft === true, inReview }
}
