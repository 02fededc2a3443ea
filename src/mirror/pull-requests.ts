import { agentLabel } from '../company/labels.ts'
import { reviewerFor } from '../company/route-item.ts'
import { transition } from '../company/status-machine.ts'
import { trustedMarker } from '../company/marker.ts'
import type { Octokit } from '../github/octokit.ts'
import type { PullRequest } from '../github/read-pull-request.ts'
import { upsertMarkedComment } from '../github/upsert-marked-comment.ts'
import { appendAudit } from '../store/audit-log.ts'
import { getWorkItem } from '../store/work-items.ts'
import { syncGate, type GateDeps } from './quality-gate.ts'
import type { MirrorDeps } from './sync-item.ts'
import { moveItem } from './move-item.ts'

export type PullDeps = MirrorDeps & GateDeps

/** A pull request as far as finding the item it delivers goes. */
export type PullText = { author: string | null; body: string | null | undefined }

/**
 * The item a pull request delivers: the parent in Gaffer's marker when the app itself
 * opened it, else the first "closes #N" of its body. A marker in anyone else's pull
 * request is plain text, so it cannot attribute their work to an agent's item.
 */
export function linkedItem(pull: PullText, botLogin: string): number | undefined {
  const parent = trustedMarker(pull, botLogin)?.parent
  if (parent !== undefined) return parent
  const match = /\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?):?\s+#(\d+)\b/i.exec(pull.body ?? '')
  return match ? Number(match[1]) : undefined
}

/**
 * A pull request goes to its reviewer as `todo` (SPEC §4), and its gate starts. Gaffer
 * calls this itself right after opening or updating a pull request, since the webhook
 * echo of its own write triggers nothing.
 */
export async function routePullRequestToReviewer(
  deps: PullDeps,
  octokit: Octokit,
  repository: string,
  number: number,
  /** The pull request as Gaffer just opened it, for the gate (`syncGate`'s `opened`). */
  opened?: PullRequest,
): Promise<void> {
  const item = await getWorkItem(deps.pool, repository, number)
  if (!item || item.state !== 'open') return
  const reviewer = reviewerFor(deps.rosters.get(repository), { labels: item.labels, authorAgent: item.created_by_agent ?? undefined })
  if (reviewer) {
    // A new pull request, or a new head of one: back to its reviewer (one being reviewed right now is left to that run).
    const moved = await moveItem(deps, octokit, item, 'new_push', {
      add: [agentLabel(reviewer)],
      remove: item.labels.filter((label) => label.startsWith('agent:') && label !== agentLabel(reviewer)),
    })
    if (moved.ok) deps.wake?.(repository, reviewer)
  }
  await syncGate(deps, octokit, repository, number, opened ? { opened } : {})
}

/**
 * What a pull request event means beyond the mirror: a new push resets its review (the
 * reviewer gets it back as `todo`; scores and approvals are per commit), label changes
 * re-evaluate the gate, and a merge finishes the item it delivers.
 */
export async function onPullRequestEvent(
  deps: PullDeps,
  octokit: Octokit,
  event: { action: string; repository: string; number: number; merged: boolean } & PullText,
): Promise<void> {
  const { repository, number } = event
  if (event.action === 'synchronize') {
    // A pull request nobody routed yet (an outsider's, held) is routed by `syncItem`, never by a push.
    if ((await getWorkItem(deps.pool, repository, number))?.status == null) await syncGate(deps, octokit, repository, number)
    else await routePullRequestToReviewer(deps, octokit, repository, number)
    return
  }
  if (['opened', 'reopened', 'ready_for_review', 'labeled', 'unlabeled', 'edited'].includes(event.action)) {
    await syncGate(deps, octokit, repository, number)
    return
  }
  if (event.action !== 'closed' || !event.merged) return
  const pull = await getWorkItem(deps.pool, repository, number)
  if (pull && pull.status !== 'done') await moveItem(deps, octokit, pull, 'merge')
  const linked = linkedItem(event, deps.botLogin())
  const item = linked === undefined ? undefined : await getWorkItem(deps.pool, repository, linked)
  // GitHub may already have closed the item through the pull request's closing keyword.
  if (!item || item.status === 'done') return
  // The table decides: an item someone is still working on is not finished under them (the refusal is logged).
  // A refusal is audited by the status writer itself.
  const moved = await moveItem(deps, octokit, item, 'merge', { note: `Done: pull request #${number} was merged.` })
  if (moved.ok)
    await appendAudit(deps.pool, { actor: 'gaffer', action: 'merge', repository, target: item.number, outcome: 'done', detail: { pull: number } })
}

/**
 * After a reviewer's `request_changes`, the delivered item goes back to its owner's
 * queue with the review as a comment it will read on its next run.
 */
export async function returnForChanges(
  deps: PullDeps,
  octokit: Octokit,
  repository: string,
  pullNumber: number,
  pull: PullText,
  review: string,
): Promise<void> {
  const linked = linkedItem(pull, deps.botLogin())
  const item = linked === undefined ? undefined : await getWorkItem(deps.pool, repository, linked)
  if (!item || !transition(item.status, 'changes_requested').ok) return
  await upsertMarkedComment(octokit, deps.botLogin(), item, { kind: 'review-feedback' }, `Changes requested on #${pullNumber}:\n\n${review}`)
  const moved = await moveItem(deps, octokit, item, 'changes_requested')
  if (moved.ok && item.owner_agent) deps.wake?.(repository, item.owner_agent)
}
