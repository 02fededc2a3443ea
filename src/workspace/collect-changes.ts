import { lstat, readdir, readFile, readlink } from 'node:fs/promises'
import path from 'node:path'
import { pathRefusal } from '../company/repository-path.ts'
import type { CommittedFile } from '../github/writes.ts'
import { runGit } from './run-git.ts'
import { BASE_GIT_DIR, STATE_FILE, WORK_DIR, workspaceRoot, type Workspace } from './workspace.ts'

export type Refused = { path: string; reason: string }
export type Changes = { files: CommittedFile[]; refused: Refused[] }

export type ChangeLimits = {
  /** Largest file published (default 1 MB); larger ones are refused. */
  maxFileBytes: number
  /** Most files in one change (default 300). */
  maxFiles: number
  /** Most bytes in one change, all files together (default 20 MB): GitHub takes the commit in one request. */
  maxTotalBytes: number
}

export const defaultChangeLimits: ChangeLimits = { maxFileBytes: 1024 ** 2, maxFiles: 300, maxTotalBytes: 20 * 1024 ** 2 }

/**
 * What the CLI changed in the workspace since its base commit: changed and new files
 * (untracked ones included, ignored ones not) with their content, and deletions. It is
 * read through Gaffer's own record of the base (`base.git`), never the checkout's
 * `.git`, which the CLI may have changed. A path is refused, with the reason, when it is
 * not a plain repository path, lies in git internals or `.github/`, is a symbolic link or
 * is reached through one, is a nested repository, is not text, or is over the size caps;
 * anything written beside the checkout (`../`) is refused as outside the workspace.
 */
export async function collectChanges(workspace: Workspace, limits: ChangeLimits = defaultChangeLimits): Promise<Changes> {
  const root = workspaceRoot(workspace)
  const base = ['--git-dir', path.join(root, BASE_GIT_DIR), '--work-tree', workspace.dir]
  const diff = await runGit([...base, 'diff', '--name-status', '-z', '--no-renames', '--no-ext-diff', '--no-textconv', 'HEAD'])
  const untracked = await runGit([...base, 'ls-files', '-z', '--others', '--exclude-standard'])

  const refused: Refused[] = await outsideEntries(root)
  const changed = new Map<string, 'deleted' | 'written'>()
  const fields = diff.split('\0')
  for (let i = 0; i + 1 < fields.length; i += 2) changed.set(fields[i + 1]!, fields[i] === 'D' ? 'deleted' : 'written')
  for (const p of untracked.split('\0')) if (p !== '') changed.set(p, 'written')

  const files: CommittedFile[] = []
  let total = 0
  for (const [p, kind] of [...changed].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (p.endsWith('/')) {
      refused.push({ path: p, reason: 'a git repository inside the workspace (nested clones and submodules are not published)' })
      continue
    }
    const rule = pathRefusal(p)
    if (rule !== undefined) {
      refused.push({ path: p, reason: rule })
      continue
    }
    if (files.length >= limits.maxFiles) {
      refused.push({ path: p, reason: `the change already has ${limits.maxFiles} files, the most one change may hold` })
      continue
    }
    if (kind === 'deleted') {
      files.push({ path: p, deleted: true })
      continue
    }
    const read = await readChangedFile(workspace.dir, p, limits.maxFileBytes)
    if ('reason' in read) {
      refused.push({ path: p, reason: read.reason })
      continue
    }
    if (total + read.size > limits.maxTotalBytes) {
      refused.push({ path: p, reason: `the change would be over ${megabytes(limits.maxTotalBytes)} in total` })
      continue
    }
    total += read.size
    files.push(read.executable ? { path: p, content: read.content, executable: true } : { path: p, content: read.content })
  }
  return { files, refused }
}

/** Anything in the workspace's folder beside the checkout and Gaffer's own files was written outside the checkout (`../`). */
async function outsideEntries(root: string): Promise<Refused[]> {
  const own = new Set([WORK_DIR, BASE_GIT_DIR, STATE_FILE])
  return (await readdir(root))
    .filter((name) => !own.has(name))
    .sort()
    .map((name) => ({ path: `../${name}`, reason: 'written outside the workspace' }))
}

async function readChangedFile(
  dir: string,
  p: string,
  maxBytes: number,
): Promise<{ content: string; size: number; executable: boolean } | { reason: string }> {
  const segments = p.split('/')
  // Every folder on the way must be a real one: a file reached through a linked folder may be anywhere on the machine.
  for (let i = 1; i < segments.length; i += 1) {
    const folder = segments.slice(0, i).join('/')
    if ((await lstat(path.join(dir, folder))).isSymbolicLink()) return { reason: `reached through the symbolic link ${folder}` }
  }
  const full = path.join(dir, p)
  const stats = await lstat(full)
  if (stats.isSymbolicLink()) {
    const target = await readlink(full)
    const resolved = path.resolve(path.dirname(full), target)
    const outside = resolved !== dir && !resolved.startsWith(`${dir}${path.sep}`)
    return { reason: `a symbolic link${outside ? ' pointing outside the workspace' : ''} (to ${target}); links are not published` }
  }
  if (!stats.isFile()) return { reason: 'not a regular file' }
  if (stats.size > maxBytes) return { reason: `${megabytes(stats.size)}, over the ${megabytes(maxBytes)} cap for one file` }
  const bytes = await readFile(full)
  const content = textOf(bytes)
  if (content === undefined) return { reason: 'a binary file; only text files are published (commit binaries by hand)' }
  return { content, size: stats.size, executable: (stats.mode & 0o111) !== 0 }
}

/**
 * The file as text, or undefined for a binary one: a NUL byte (git's own test) or bytes
 * that are not UTF-8. The Git Data API takes a tree's inline content as UTF-8 text, so
 * anything else would arrive corrupted.
 */
function textOf(bytes: Buffer): string | undefined {
  if (bytes.includes(0)) return undefined
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    return undefined
  }
}

function megabytes(bytes: number): string {
  return `${(bytes / 1024 ** 2).toFixed(bytes < 1024 ** 2 ? 2 : 1)} MB`
}

/** The note on what a run changed but Gaffer did not publish, for the pull request or the item's comment. */
export function refusedNote(refused: readonly Refused[]): string {
  if (refused.length === 0) return ''
  const shown = refused.slice(0, 50)
  const line = (r: Refused) => `- \`${r.path.replace(/[`\r\n]/g, '?')}\`: ${r.reason}`
  const more = refused.length > shown.length ? `\n- … and ${refused.length - shown.length} more` : ''
  return `Not published (${refused.length === 1 ? 'one path' : `${refused.length} paths`}):\n${shown.map(line).join('\n')}${more}`
}
