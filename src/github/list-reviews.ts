import { z } from 'zod'
import { splitRepository, type Octokit } from './octokit.ts'
import { Sender } from './schema.ts'

const Reviews = z.array(
  z.object({ state: z.string(), body: z.string().nullable().optional(), commit_id: z.string().nullable().optional(), user: Sender.nullable() }),
)
export type Review = z.infer<typeof Reviews>[number]

/** A pull request's reviews, oldest first, with their text. */
export async function listReviews(octokit: Octokit, repository: string, number: number): Promise<Review[]> {
  const { owner, repo } = splitRepository(repository)
  return Reviews.parse(
    await octokit.paginate('GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews', { owner, repo, pull_number: number, per_page: 100 }),
  )
}
