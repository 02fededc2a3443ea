import { httpStatus, splitRepository, type Octokit } from './octokit.ts'
import { Branch } from './schema.ts'

/** A branch's head commit, and that commit's tree when GitHub said it. */
export type BranchTip = { sha: string; treeSha: string | undefined }

/**
 * The commit a branch points at and its tree, in one request (the Git Data API takes two:
 * the ref, then the commit); undefined when the branch does not exist. GitHub answers a
 * renamed branch's old name with the new branch: that is not the branch asked for, so it
 * counts as missing too.
 */
export async function readBranch(octokit: Octokit, repository: string, branch: string): Promise<BranchTip | undefined> {
  const { owner, repo } = splitRepository(repository)
  let answer
  try {
    answer = Branch.parse((await octokit.request('GET /repos/{owner}/{repo}/branches/{branch}', { owner, repo, branch })).data)
  } catch (error) {
    if (httpStatus(error) === 404) return undefined
    throw error
  }
  if (answer.name !== branch) return undefined
  return { sha: answer.commit.sha, treeSha: answer.commit.commit?.tree.sha }
}
