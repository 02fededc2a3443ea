import { randomBytes } from 'node:crypto'
import { mkdir, readFile, rm, statfs, symlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { apiBaseUrlOf, gitBaseUrlFor } from '../github/installation-token.ts'
import type { Octokit } from '../github/octokit.ts'
import { readBranch, type BranchTip } from '../github/read-branch.ts'
import { readBlob, readCommitTree, type TreeEntry } from '../github/read-tree.ts'
import type { Logger } from '../log.ts'
import type { Pool } from '../store/pool.ts'
import { runGit } from './run-git.ts'
import { remoteUrl, runGitWithToken } from './run-git-with-token.ts'
import { BASE_GIT_DIR, BASE_REF, STATE_FILE, WORK_DIR, workspacesDir, type Workspace, type WorkspaceState } from './workspace.ts'

/** How a checkout is made: `git` clones over HTTPS, `api` builds it from the Git Data API, `auto` picks by the GitHub's URL. */
export type GitTransport = 'auto' | 'git' | 'api'

/** How checkouts are made (GAFFER_GIT_TRANSPORT, GAFFER_GIT_URL, GAFFER_WORKSPACE_MIN_FREE_MB). */
export type CheckoutSettings = {
  /** Below this many free bytes where workspaces live, no checkout is made (default 1 GiB). */
  minFreeBytes?: number
  gitTransport?: GitTransport
  /**
   * Where git finds the repositories (`https://github.com`); by default derived from the
   * API's URL (github.com, GitHub Enterprise Server). Setting it makes `auto` use git.
   */
  gitBaseUrl?: string
}

export type WorkspaceDeps = CheckoutSettings & {
  pool: Pool
  log: Logger
  home: string
}

export type WorkspaceTarget = {
  repository: string
  /** The branch the run's changes go to; checked out when it exists. */
  branch: string
  /** The branch checked out when `branch` does not exist yet (the default branch). */
  base: string
  purpose: 'work' | 'review'
  /** The heartbeat run, for the folder's name; a random one when absent. */
  run?: number | string
}

export const DEFAULT_MIN_FREE_BYTES = 1024 ** 3

/**
 * A fresh checkout of `target.branch` (or `target.base` when the branch does not exist)
 * under `GAFFER_HOME/workspaces/`. With git transport it is a shallow `git clone` whose
 * token reaches git through the environment of that one command (never the command
 * line, `.git/config` or the CLI's environment), and the cloned commit is kept in
 * Gaffer's own git folder for the push; without it (the emulated GitHub), the files
 * come from the Git Data API and are committed locally as the base. Either way Gaffer
 * records the checkout as it was before the CLI ran in a git folder of its own beside it.
 */
export async function prepareWorkspace(deps: WorkspaceDeps, octokit: Octokit, target: WorkspaceTarget): Promise<Workspace> {
  const parent = workspacesDir(deps.home)
  await mkdir(parent, { recursive: true, mode: 0o700 })
  await assertFreeSpace(parent, deps.minFreeBytes ?? DEFAULT_MIN_FREE_BYTES)
  const root = await makeRoot(parent, workspaceName(target))
  const dir = path.join(root, WORK_DIR)
  const log = deps.log.child({ workspace: path.basename(root) })
  const state: WorkspaceState = { createdAt: new Date().toISOString(), repository: target.repository, branch: target.branch, purpose: target.purpose }
  await writeFile(path.join(root, STATE_FILE), JSON.stringify(state))
  try {
    const onBranch = await readBranch(octokit, target.repository, target.branch)
    const baseRef = onBranch === undefined ? target.base : target.branch
    const gitBase = transportBaseUrl(deps, apiBaseUrlOf(octokit))
    let baseSha: string
    if (gitBase !== undefined) {
      const remote = { gitBase, repository: target.repository }
      await runGitWithToken(
        octokit,
        remote,
        ['clone', '--quiet', '--depth', '1', '--single-branch', '--no-tags', '--branch', baseRef, '--', remoteUrl(remote), dir],
        'read',
      )
      baseSha = (await runGit(['-C', dir, 'rev-parse', 'HEAD'])).trim()
      if (baseRef !== target.branch) await runGit(['-C', dir, 'switch', '--quiet', '--create', target.branch])
    } else {
      const tip = onBranch ?? (await readBranch(octokit, target.repository, target.base))
      if (tip === undefined) throw new Error(`${target.repository} has no branch ${target.base} to check out; is it the repository's default branch?`)
      await checkoutFromApi(octokit, log, { repository: target.repository, tip, dir })
      await runGit(['init', '--quiet', `--initial-branch=${target.branch}`, dir])
      await runGit(['-C', dir, 'add', '--all', '--force'])
      await runGit(['-C', dir, 'commit', '--quiet', '--allow-empty', '--no-verify', '-m', `${baseRef} at ${tip.sha}`])
      baseSha = tip.sha
    }
    // For the CLI's own commits, if it makes any; Gaffer's own is made in base.git or through the API.
    await runGit(['-C', dir, 'config', 'user.name', 'Gaffer'])
    await runGit(['-C', dir, 'config', 'user.email', 'gaffer@localhost.invalid'])
    await recordBase(root, dir, `${baseRef} at ${baseSha}`)
    // The commit the push builds on, copied while the checkout is still only what was cloned.
    if (gitBase !== undefined) await keepClonedCommit(root, dir, baseSha)
    log.info({ repository: target.repository, baseRef, baseSha, transport: gitBase === undefined ? 'api' : 'git' }, 'workspace ready')
    return {
      dir,
      branch: target.branch,
      baseSha,
      baseRef,
      ...(gitBase === undefined ? {} : { gitBase }),
      finish: finisher(root, log),
    }
  } catch (error) {
    await rm(root, { recursive: true, force: true })
    throw error
  }
}

/** Where git clones from and pushes to, or undefined to build the checkout from the API and publish through it. */
function transportBaseUrl(settings: CheckoutSettings, apiUrl: string): string | undefined {
  const setting = settings.gitTransport ?? 'auto'
  if (setting === 'api') return undefined
  const gitBase = settings.gitBaseUrl ?? gitBaseUrlFor(apiUrl)
  if (setting === 'git' && gitBase === undefined) {
    throw new Error(
      `GAFFER_GIT_TRANSPORT=git, but git's URL is not known for the GitHub API at ${apiUrl} (only github.com and GitHub Enterprise Server's /api/v3 are); set GAFFER_GIT_URL to where git serves the repositories, or use auto or api`,
    )
  }
  return gitBase
}

async function assertFreeSpace(dir: string, minFreeBytes: number): Promise<void> {
  const stats = await statfs(dir)
  const free = stats.bavail * stats.bsize
  if (free < minFreeBytes) {
    const mb = (bytes: number) => `${Math.floor(bytes / 1024 ** 2)} MB`
    throw new Error(
      `only ${mb(free)} free in ${dir}, below the ${mb(minFreeBytes)} a workspace needs; free disk space (failed runs' workspaces are kept 24 h) or lower GAFFER_WORKSPACE_MIN_FREE_MB`,
    )
  }
}

/** `<owner>-<repo>-<n>-<run>`: readable in `ls`, unique per run. */
function workspaceName(target: WorkspaceTarget): string {
  const number = /\/(\d+)$/.exec(target.branch)?.[1] ?? 'x'
  const run = target.run === undefined ? randomBytes(4).toString('hex') : String(target.run)
  return `${target.repository.replace('/', '-')}-${number}-${run}`.replace(/[^\w.-]/g, '_')
}

async function makeRoot(parent: string, name: string): Promise<string> {
  try {
    await mkdir(path.join(parent, name), { mode: 0o700 })
    return path.join(parent, name)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
  }
  // The same run preparing a second workspace keeps the first one's files.
  const other = `${name}-${randomBytes(3).toString('hex')}`
  await mkdir(path.join(parent, other), { mode: 0o700 })
  return path.join(parent, other)
}

/** Blobs fetched at once while building a checkout from the API. */
const BLOB_CONCURRENCY = 8

async function checkoutFromApi(octokit: Octokit, log: Logger, at: { repository: string; tip: BranchTip; dir: string }): Promise<void> {
  const entries = await readCommitTree(octokit, at.repository, at.tip)
  await mkdir(at.dir, { recursive: true })
  const files = entries.filter((entry) => entry.type === 'blob' && safeTreePath(entry.path))
  const skipped = entries.filter((entry) => (entry.type !== 'blob' && entry.type !== 'tree') || !safeTreePath(entry.path))
  if (skipped.length > 0)
    log.warn({ paths: skipped.map((entry) => entry.path).slice(0, 20) }, 'workspace checkout skipped submodules and unsafe paths')
  // Links last: no file is ever written through a link made earlier.
  const links = files.filter((entry) => entry.mode === '120000')
  const plain = files.filter((entry) => entry.mode !== '120000')
  let next = 0
  const worker = async () => {
    while (next < plain.length) {
      const entry = plain[next++]!
      await writeEntry(at.dir, entry, await readBlob(octokit, at.repository, entry.sha))
    }
  }
  await Promise.all(Array.from({ length: BLOB_CONCURRENCY }, worker))
  for (const link of links) await writeEntry(at.dir, link, await readBlob(octokit, at.repository, link.sha))
}

/** A path GitHub's tree could hold that must still not be written: outside the folder or into git's own. */
function safeTreePath(p: string): boolean {
  const segments = p.split('/')
  return !p.startsWith('/') && !segments.some((s) => s === '' || s === '.' || s === '..' || s.toLowerCase() === '.git')
}

async function writeEntry(dir: string, entry: TreeEntry, content: Buffer): Promise<void> {
  const target = path.join(dir, entry.path)
  await mkdir(path.dirname(target), { recursive: true })
  if (entry.mode === '120000') await symlink(content.toString('utf8'), target)
  else await writeFile(target, content, { mode: entry.mode === '100755' ? 0o755 : 0o644 })
}

/**
 * Gaffer's record of the base: a git folder outside the checkout whose index and HEAD are
 * the checkout as it is now, before the CLI runs.
 */
async function recordBase(root: string, dir: string, message: string): Promise<void> {
  const gitDir = path.join(root, BASE_GIT_DIR)
  await runGit(['init', '--quiet', '--bare', gitDir])
  await runGit(['--git-dir', gitDir, 'config', 'core.bare', 'false'])
  const withTree = ['--git-dir', gitDir, '--work-tree', dir]
  await runGit([...withTree, 'add', '--all', '--force'])
  await runGit([...withTree, 'commit', '--quiet', '--allow-empty', '--no-verify', '-m', message])
}

/**
 * Copies the cloned commit into `base.git` as BASE_REF, so the push can build on it
 * without ever reading the checkout's `.git` after the CLI ran.
 */
async function keepClonedCommit(root: string, dir: string, sha: string): Promise<void> {
  const gitDir = path.join(root, BASE_GIT_DIR)
  await runGit(['--git-dir', gitDir, 'fetch', '--quiet', '--depth', '1', '--no-tags', dir, `+HEAD:${BASE_REF}`])
  const kept = (await runGit(['--git-dir', gitDir, 'rev-parse', '--verify', `${BASE_REF}^{commit}`])).trim()
  if (kept !== sha) throw new Error(`the workspace's base commit is ${kept}, not the cloned ${sha}; this is a bug in Gaffer`)
}

function finisher(root: string, log: Logger): Workspace['finish'] {
  let finished = false
  return async (outcome) => {
    if (finished) return
    finished = true
    if (outcome === 'ok') {
      await rm(root, { recursive: true, force: true })
      return
    }
    const statePath = path.join(root, STATE_FILE)
    const state = JSON.parse(await readFile(statePath, 'utf8')) as WorkspaceState
    await writeFile(statePath, JSON.stringify({ ...state, failedAt: new Date().toISOString() }))
    log.info({ root }, 'workspace kept for 24 h after a failed run')
  }
}
