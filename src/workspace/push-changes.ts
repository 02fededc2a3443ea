import path from 'node:path'
import type { Octokit } from '../github/octokit.ts'
import { BranchMovedError, type CommittedFile } from '../github/writes.ts'
import { runGit } from './run-git.ts'
import { remoteUrl, runGitWithToken, type GitRemote } from './run-git-with-token.ts'
import { BASE_GIT_DIR, BASE_REF, workspaceRoot, type Workspace } from './workspace.ts'

/** Who a pushed commit is by: the app's bot account (the agent is named in the message's trailer). */
export type GitIdentity = { name: string; email: string }

/** Where the commit being pushed, and a branch's head fetched after a refused push, are kept in `base.git`. */
const PUBLISH_REF = 'refs/gaffer/publish'
const MOVED_REF = 'refs/gaffer/moved'

/**
 * A CLI run's change pushed to `branch` with git (SPEC §14: `git push` where GitHub
 * serves git): one commit of the collected files (whole contents and deletions) on the
 * commit the workspace was cloned at, made in Gaffer's own `base.git` — never in the
 * checkout's `.git`, which the CLI could have changed — from the contents Gaffer
 * checked, and pushed without force. If the branch moved meanwhile (a person pushed),
 * its new head is fetched and the commit rebuilt on it once, as the Git Data API path
 * does; then it gives up with `BranchMovedError`. Returns the pushed commit's SHA.
 */
export async function pushChanges(
  octokit: Octokit,
  workspace: Workspace,
  change: { repository: string; branch: string; message: string; files: readonly CommittedFile[]; author: GitIdentity },
): Promise<string> {
  if (workspace.gitBase === undefined) throw new Error('this workspace was not cloned with git, so its change cannot be pushed with git')
  const gitDir = path.join(workspaceRoot(workspace), BASE_GIT_DIR)
  const remote: GitRemote = { gitBase: workspace.gitBase, repository: change.repository }
  let parent = await revParse(gitDir, BASE_REF)
  for (let attempt = 0; attempt < 2; attempt += 1) {
    const commit = await commitOnto(gitDir, parent, change)
    try {
      await runGitWithToken(
        octokit,
        remote,
        ['--git-dir', gitDir, 'push', '--quiet', remoteUrl(remote), `${commit}:refs/heads/${change.branch}`],
        'write',
      )
      return commit
    } catch (error) {
      // Not a fast-forward: the branch holds commits this one is not built on.
      if (!(error instanceof Error) || !/ ! \[rejected\]/.test(error.message)) throw error
    }
    await runGitWithToken(
      octokit,
      remote,
      ['--git-dir', gitDir, 'fetch', '--quiet', '--depth', '1', '--no-tags', remoteUrl(remote), `+refs/heads/${change.branch}:${MOVED_REF}`],
      'read',
    )
    parent = await revParse(gitDir, MOVED_REF)
  }
  throw new BranchMovedError(change.branch)
}

async function revParse(gitDir: string, ref: string): Promise<string> {
  return (await runGit(['--git-dir', gitDir, 'rev-parse', '--verify', `${ref}^{commit}`])).trim()
}

/** One commit of `files` on `parent`, written with `git fast-import` from the contents given (never re-read from disk). */
async function commitOnto(gitDir: string, parent: string, change: { message: string; files: readonly CommittedFile[]; author: GitIdentity }) {
  const who = `${identityText(change.author)} ${Math.floor(Date.now() / 1000)} +0000`
  const message = change.message.endsWith('\n') ? change.message : `${change.message}\n`
  const stream: Buffer[] = [Buffer.from(`commit ${PUBLISH_REF}\nauthor ${who}\ncommitter ${who}\n`), data(message), Buffer.from(`from ${parent}\n`)]
  for (const file of change.files) {
    if ('deleted' in file) stream.push(Buffer.from(`D ${quotedPath(file.path)}\n`))
    else stream.push(Buffer.from(`M ${file.executable === true ? '100755' : '100644'} inline ${quotedPath(file.path)}\n`), data(file.content))
  }
  stream.push(Buffer.from('done\n'))
  await runGit(['--git-dir', gitDir, 'fast-import', '--quiet', '--force', '--done'], { input: Buffer.concat(stream) })
  return revParse(gitDir, PUBLISH_REF)
}

function data(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8')
  return Buffer.concat([Buffer.from(`data ${bytes.length}\n`), bytes, Buffer.from('\n')])
}

/** `Name <email>`, with the characters git's identity lines cannot hold dropped. */
function identityText(identity: GitIdentity): string {
  const clean = (text: string) => text.replace(/[<>\r\n\0]/g, '').trim()
  return `${clean(identity.name)} <${clean(identity.email)}>`
}

/** A path as fast-import reads it: always C-quoted, so spaces, quotes and newlines in a name are safe. */
function quotedPath(p: string): string {
  const escaped = Array.from(p, (char) => {
    if (char === '\\' || char === '"') return `\\${char}`
    const code = char.charCodeAt(0)
    return code < 0x20 || code === 0x7f ? `\\${code.toString(8).padStart(3, '0')}` : char
  }).join('')
  return `"${escaped}"`
}
