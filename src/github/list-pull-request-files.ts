import { z } from 'zod'
import { splitRepository, type Octokit } from './octokit.ts'

const PullRequestFiles = z.array(
  z.object({
    filename: z.string(),
    status: z.string(),
    additions: z.int().optional(),
    deletions: z.int().optional(),
    // GitHub leaves it out for binary files and for diffs too large to show.
    patch: z.string().optional(),
  }),
)
export type PullRequestFile = z.infer<typeof PullRequestFiles>[number]

/** Pages read at most: a reviewer is told when a pull request changes more files than this shows. */
const MAX_PAGES = 3

/** The files a pull request changes, with GitHub's patch for each (the first 300 files). */
export async function listPullRequestFiles(
  octokit: Octokit,
  repository: string,
  number: number,
): Promise<{ files: PullRequestFile[]; more: boolean }> {
  const { owner, repo } = splitRepository(repository)
  const files: PullRequestFile[] = []
  for (let page = 1; page <= MAX_PAGES; page++) {
    const { data } = await octokit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}/files', {
      owner,
      repo,
      pull_number: number,
      per_page: 100,
      page,
    })
    const batch = PullRequestFiles.parse(data)
    files.push(...batch)
    if (batch.length < 100) return { files, more: false }
  }
  return { files, more: true }
}
