import type { z } from 'zod'
import { splitRepository, type Octokit } from './octokit.ts'
import { PullRequestReviews } from './schema.ts'

export type Review = z.infer<typeof PullRequestReviews>[number]

/** A pull request's reviews, oldest first, with their text. */
export async function listReviews(octokit: Octokit, repository: string, number: number): Promise<Review[]> {
  const { owner, repo } = splitRepository(repository)
  return PullRequestReviews.parse(
    await octokit.paginate('GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews', { owner, repo, pull_number: number, per_page: 100 }),
  )
}
