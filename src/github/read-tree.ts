import type { BranchTip } from './read-branch.ts'
import { z } from 'zod'
import { splitRepository, type Octokit } from './octokit.ts'
import { GitCommit } from './schema.ts'

/**
 * Reads a commit's files through the Git Data API (commit → tree → blobs), for a
 * checkout where there is no git transport (the emulated GitHub serves none).
 */

const Tree = z.object({
  truncated: z.boolean().optional(),
  tree: z.array(z.object({ path: z.string(), mode: z.string(), type: z.string(), sha: z.string(), size: z.number().optional() })),
})
const Blob = z.object({ content: z.string(), encoding: z.string() })

export type TreeEntry = { path: string; mode: string; type: string; sha: string; size?: number | undefined }

/** The tree a commit records. */
export async function readCommitTreeSha(octokit: Octokit, repository: string, commitSha: string): Promise<string> {
  const { owner, repo } = splitRepository(repository)
  return GitCommit.parse((await octokit.request('GET /repos/{owner}/{repo}/git/commits/{commit_sha}', { owner, repo, commit_sha: commitSha })).data)
    .tree.sha
}

/**
 * Every entry of a commit's tree, subfolders included. GitHub cuts a recursive listing
 * of a very large tree short (`truncated`); such a checkout would silently miss files,
 * so it is refused with the setting that avoids it.
 */
export async function readCommitTree(octokit: Octokit, repository: string, commit: BranchTip): Promise<TreeEntry[]> {
  const { owner, repo } = splitRepository(repository)
  const commitSha = commit.sha
  // A branch read on GitHub carries its head's tree; only the emulated GitHub's does not.
  const treeSha = commit.treeSha ?? (await readCommitTreeSha(octokit, repository, commitSha))
  const tree = Tree.parse(
    (await octokit.request('GET /repos/{owner}/{repo}/git/trees/{tree_sha}', { owner, repo, tree_sha: treeSha, recursive: '1' })).data,
  )
  if (tree.truncated) {
    throw new Error(
      `${repository} at ${commitSha} has more files than GitHub lists in one tree; check it out with git instead (GAFFER_GIT_TRANSPORT=git)`,
    )
  }
  return tree.tree
}

/** A blob's bytes. */
export async function readBlob(octokit: Octokit, repository: string, sha: string): Promise<Buffer> {
  const { owner, repo } = splitRepository(repository)
  const blob = Blob.parse((await octokit.request('GET /repos/{owner}/{repo}/git/blobs/{file_sha}', { owner, repo, file_sha: sha })).data)
  return Buffer.from(blob.content, blob.encoding === 'base64' ? 'base64' : 'utf8')
}
