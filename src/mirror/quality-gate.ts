import { DEFAULT_QUALITY_THRESHOLD, DEFAULT_REQUIRED_APPROVALS, decideGate, GATE_NAME, type GateDecision } from '../company/quality-gate.ts'
import { HOLD_LABEL } from '../company/labels.ts'
import type { Octokit } from '../github/octokit.ts'
import { atLeast } from '../company/access.ts'
import type { PermissionOf } from '../github/permissions.ts'
import {
  approvingReviewers,
  latestCheckRun,
  openPullRequestsAt,
  readPullRequest,
  type CheckRun,
  type PullRequest,
} from '../github/read-pull-request.ts'
import { toGitHubItem } from '../github/schema.ts'
import { createCheckRun } from '../github/writes.ts'
import type { Logger } from '../log.ts'
import type { Metrics } from '../metrics/metrics.ts'
import { approvedActors } from '../store/approvals.ts'
import { withGateLock } from '../store/gate-lock.ts'
import type { Pool, Queryable } from '../store/pool.ts'
import { latestQualityScore } from '../store/quality-scores.ts'
import { getRepository } from '../store/repositories.ts'

export type GateDeps = { pool: Pool; log: Logger; permissionOf: PermissionOf; metrics?: Metrics | undefined }

/**
 * Recomputes a pull request's gate for its head commit and posts it as a new `Gaffer
 * quality gate` check run. A run is never edited: GitHub refuses to change a completed
 * run, so editing one back to `in_progress` (after `/hold`) would leave it green. A
 * decision equal to the newest run's posts nothing, unless a person asked for a re-run.
 * Scores and approvals are keyed by the head SHA, so a new push starts from nothing.
 * Any error leaves the check as it was: never green by accident. Calls for one pull
 * request take turns (`withGateLock`), so the newest run is always the newest decision.
 */
export async function syncGate(
  deps: GateDeps,
  octokit: Octokit,
  repository: string,
  number: number,
  /**
   * `rerun`: post even an unchanged decision. `headSha`: decide only while the head is still this commit.
   * `opened`: the pull request as Gaffer's own request just opened it (its head and labels), so it
   * is not read again and has no reviews or gate run yet to read.
   */
  options: { rerun?: boolean; headSha?: string; opened?: PullRequest } = {},
): Promise<GateDecision | undefined> {
  // Read, decide and post under one lock per pull request, on every replica: a decision read
  // before a `/hold` and posted after the hold's run would leave the older, green one newest.
  return withGateLock(deps.pool, repository, number, (db) => decideAndPost(deps, db, octokit, repository, number, options))
}

async function decideAndPost(
  deps: GateDeps,
  db: Queryable,
  octokit: Octokit,
  repository: string,
  number: number,
  options: { rerun?: boolean; headSha?: string; opened?: PullRequest },
): Promise<GateDecision | undefined> {
  // A pull request opened a moment ago by this run cannot be green (no score exists for its
  // new head), so deciding from what its creation answered cannot post a stale success.
  const opened = options.opened?.number === number ? options.opened : undefined
  const pr = opened ?? (await readPullRequest(octokit, repository, number))
  if (!pr || pr.state !== 'open' || (options.headSha !== undefined && pr.head.sha !== options.headSha)) return undefined
  const sha = pr.head.sha
  const author = pr.user?.login
  const settings = await getRepository(db, repository)
  const approvers = new Set(await approvedActors(db, repository, number, sha))
  for (const login of opened ? [] : await approvingReviewers(octokit, repository, number, sha)) {
    if (login !== author && atLeast(await deps.permissionOf(octokit, repository, login), 'write')) approvers.add(login)
  }
  if (author) approvers.delete(author)
  const decision = decideGate({
    review: await latestQualityScore(db, repository, number, sha),
    threshold: settings?.quality_threshold ?? DEFAULT_QUALITY_THRESHOLD,
    humanApprovals: [...approvers].sort(),
    requiredApprovals: settings?.required_approvals ?? DEFAULT_REQUIRED_APPROVALS,
    held: toGitHubItem(repository, pr, 'pull').labels.includes(HOLD_LABEL),
  })
  const newest = opened ? undefined : await latestCheckRun(octokit, repository, sha, GATE_NAME)
  const item = `${repository}#${number}`
  if (!options.rerun && newest && shows(newest, decision)) {
    deps.log.debug({ item, sha: sha.slice(0, 7), conclusion: decision.conclusion }, 'quality gate unchanged')
    return decision
  }
  const run = await createCheckRun(octokit, repository, { name: GATE_NAME, headSha: sha, ...decision })
  deps.metrics?.gateDecision(repository, decision.conclusion)
  deps.log.info({ item, sha: sha.slice(0, 7), conclusion: decision.conclusion, checkRun: run.id }, 'quality gate decided')
  return decision
}

/**
 * A person clicked "Re-run" on a gate: decide again for each open pull request whose
 * head is still that commit (a gate of an older commit no longer matters).
 */
export async function rerunGate(
  deps: GateDeps,
  octokit: Octokit,
  event: { repository: string; headSha: string; pullRequests: number[] },
): Promise<void> {
  const numbers = event.pullRequests.length > 0 ? event.pullRequests : await openPullRequestsAt(octokit, event.repository, event.headSha)
  for (const number of numbers) await syncGate(deps, octokit, event.repository, number, { rerun: true, headSha: event.headSha })
}

/** Whether a check run already shows this decision (so posting it again would only add noise). */
function shows(run: CheckRun, decision: GateDecision): boolean {
  const state =
    decision.conclusion === 'pending' ? run.status === 'in_progress' : run.status === 'completed' && run.conclusion === decision.conclusion
  return state && run.output?.title === decision.title && run.output?.summary === decision.summary
}
