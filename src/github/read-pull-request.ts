import { z } from 'zod'
import { httpStatus, splitRepository, type Octokit } from './octokit.ts'
import { CheckRunList, GitHubIssue } from './schema.ts'
import { listReviews } from './list-reviews.ts'

/** The fields of a pull request Gaffer reads: an issue's (so the mirror takes it as is), plus its head and draft state. */
export const PullRequest = GitHubIssue.extend({
  state: z.enum(['open', 'closed']),
  draft: z.boolean().optional(),
  head: z.object({ sha: z.string(), ref: z.string() }),
  html_url: z.string().optional(),
})
export type PullRequest = z.infer<typeof PullRequest>

/** A pull request as GitHub has it now; undefined when there is no such pull request. */
export async function readPullRequest(octokit: Octokit, repository: string, number: number): Promise<PullRequest | undefined> {
  const { owner, repo } = splitRepository(repository)
  try {
    return PullRequest.parse((await octokit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', { owner, repo, pull_number: number })).data)
  } catch (error) {
    if (httpStatus(error) === 404) return undefined
    throw error
  }
}

/** The head commit of a pull request, for keying an approval to it. */
export async function headShaOf(octokit: Octokit, repository: string, number: number): Promise<string> {
  const pr = await readPullRequest(octokit, repository, number)
  if (!pr) throw new Error(`${repository} has no pull request #${number}`)
  return pr.head.sha
}

/** The open pull requests from a branch of the repository itself. */
export async function openPullRequestsFrom(octokit: Octokit, repository: string, branch: string): Promise<PullRequest[]> {
  const { owner, repo } = splitRepository(repository)
  const { data } = await octokit.request('GET /repos/{owner}/{repo}/pulls', { owner, repo, state: 'open', head: `${owner}:${branch}` })
  return z
    .array(PullRequest)
    .parse(data)
    .filter((pr) => pr.head.ref === branch)
}

/**
 * The open pull requests whose head is this commit. GitHub lists them in a check run's
 * `pull_requests`, but only for branches of the repository itself; this reads them when
 * the event did not say.
 */
export async function openPullRequestsAt(octokit: Octokit, repository: string, sha: string): Promise<number[]> {
  const { owner, repo } = splitRepository(repository)
  const pulls = z.array(PullRequest).parse(await octokit.paginate('GET /repos/{owner}/{repo}/pulls', { owner, repo, state: 'open', per_page: 100 }))
  return pulls.filter((pr) => pr.head.sha === sha).map((pr) => pr.number)
}

/** Review states that decide a reviewer's standing; a COMMENTED review leaves an approval in place, as on GitHub. */
const deciding = new Set(['APPROVED', 'CHANGES_REQUESTED', 'DISMISSED'])

/**
 * People (not bots) whose latest deciding review APPROVED this commit of the pull request:
 * an approval later withdrawn (changes requested, or dismissed) no longer counts.
 */
export async function approvingReviewers(octokit: Octokit, repository: string, number: number, sha: string): Promise<string[]> {
  const reviews = await listReviews(octokit, repository, number)
  const latest = new Map<string, (typeof reviews)[number]>()
  for (const review of reviews.toSorted((a, b) => a.id - b.id)) {
    if (review.user && review.user.type !== 'Bot' && deciding.has(review.state)) latest.set(review.user.login, review)
  }
  return [...latest].flatMap(([login, review]) => (review.state === 'APPROVED' && review.commit_id === sha ? [login] : []))
}

export type CheckRun = z.infer<typeof CheckRunList>['check_runs'][number]

/** The newest check run of this name on a commit (the one GitHub shows and branch protection uses). */
export async function latestCheckRun(octokit: Octokit, repository: string, sha: string, name: string): Promise<CheckRun | undefined> {
  const { owner, repo } = splitRepository(repository)
  const { data } = await octokit.request('GET /repos/{owner}/{repo}/commits/{ref}/check-runs', {
    owner,
    repo,
    ref: sha,
    check_name: name,
    filter: 'latest',
  })
  return CheckRunList.parse(data)
    .check_runs.filter((run) => run.name === name)
    .sort((a, b) => b.id - a.id)[0]
}
