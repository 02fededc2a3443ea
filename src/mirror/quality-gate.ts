import { z } from 'zod'
import { DEFAULT_QUALITY_THRESHOLD, DEFAULT_REQUIRED_APPROVALS, decideGate, GATE_NAME, type GateDecision } from '../company/quality-gate.ts'
import { HOLD_LABEL } from '../company/labels.ts'
import { splitRepository, type Octokit } from '../github/octokit.ts'
import { atLeast, type PermissionOf } from '../github/permissions.ts'
import type { Logger } from '../log.ts'
import type { Pool } from '../store/pool.ts'

const PullRequest = z.object({
  number: z.int(),
  state: z.string(),
  head: z.object({ sha: z.string() }),
  user: z.object({ login: z.string() }).nullable(),
  labels: z.array(z.object({ name: z.string() })).default([]),
})
const Reviews = z.array(
  z.object({ state: z.string(), commit_id: z.string().nullable().optional(), user: z.object({ login: z.string(), type: z.string().optional() }).nullable() }),
)
const CheckRuns = z.object({ check_runs: z.array(z.object({ id: z.int(), name: z.string() })) })

export type GateDeps = { pool: Pool; log: Logger; permissionOf: PermissionOf }

/**
 * Recomputes a pull request's gate for its head commit and writes the `Gaffer quality
 * gate` check run (one per commit, edited in place). Scores and approvals are keyed by
 * the head SHA, so a new push starts from nothing. Any error leaves the check as it was:
 * never green by accident.
 */
export async function syncGate(deps: GateDeps, octokit: Octokit, repository: string, number: number): Promise<GateDecision | undefined> {
  const { owner, repo } = splitRepository(repository)
  const pr = PullRequest.parse((await octokit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', { owner, repo, pull_number: number })).data)
  if (pr.state !== 'open') return undefined
  const sha = pr.head.sha
  const author = pr.user?.login
  const settings = (
    await deps.pool.query<{ quality_threshold: number | null; required_approvals: number | null }>(
      'select quality_threshold, required_approvals from repositories where full_name = $1',
      [repository],
    )
  ).rows[0]
  const review = (
    await deps.pool.query<{ agent: string; score: number; verdict: 'approve' | 'request_changes' }>(
      'select agent, score, verdict from quality_scores where repository = $1 and pr_number = $2 and head_sha = $3 order by created_at desc limit 1',
      [repository, number, sha],
    )
  ).rows[0]
  const approvers = new Set(
    (
      await deps.pool.query<{ actor: string }>(
        "select actor from approvals where repository = $1 and number = $2 and head_sha = $3 and decision = 'approve'",
        [repository, number, sha],
      )
    ).rows.map((row) => row.actor),
  )
  const reviews = Reviews.parse(await octokit.paginate('GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews', { owner, repo, pull_number: number, per_page: 100 }))
  for (const r of reviews) {
    const login = r.user?.login
    if (!login || r.state !== 'APPROVED' || r.commit_id !== sha || r.user?.type === 'Bot' || login === author) continue
    if (atLeast(await deps.permissionOf(octokit, repository, login), 'write')) approvers.add(login)
  }
  if (author) approvers.delete(author)
  const decision = decideGate({
    review,
    threshold: settings?.quality_threshold ?? DEFAULT_QUALITY_THRESHOLD,
    humanApprovals: [...approvers].sort(),
    requiredApprovals: settings?.required_approvals ?? DEFAULT_REQUIRED_APPROVALS,
    held: pr.labels.some((label) => label.name === HOLD_LABEL),
  })
  const output = { title: decision.title, summary: decision.summary }
  const status =
    decision.conclusion === 'pending'
      ? { status: 'in_progress' as const }
      : { status: 'completed' as const, conclusion: decision.conclusion, completed_at: new Date().toISOString() }
  const existing = CheckRuns.parse(
    (await octokit.request('GET /repos/{owner}/{repo}/commits/{ref}/check-runs', { owner, repo, ref: sha, check_name: GATE_NAME })).data,
  ).check_runs.find((run) => run.name === GATE_NAME)
  if (existing) {
    await octokit.request('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', { owner, repo, check_run_id: existing.id, ...status, output })
  } else {
    await octokit.request('POST /repos/{owner}/{repo}/check-runs', { owner, repo, name: GATE_NAME, head_sha: sha, ...status, output })
  }
  deps.log.info({ item: `${repository}#${number}`, sha: sha.slice(0, 7), conclusion: decision.conclusion }, 'quality gate updated')
  return decision
}

/** The head commit of a pull request, for keying an approval to it. */
export async function headShaOf(octokit: Octokit, repository: string, number: number): Promise<string> {
  const { owner, repo } = splitRepository(repository)
  return PullRequest.parse((await octokit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', { owner, repo, pull_number: number })).data).head.sha
}
