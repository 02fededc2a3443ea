import path from 'node:path'

/**
 * One run's checkout. `dir` is where the CLI works; `baseSha` is the GitHub commit it was
 * checked out at (`baseRef`: the item's branch, or the default branch when the item has
 * none yet); `branch` is where its changes go.
 */
export type Workspace = {
  dir: string
  branch: string
  baseSha: string
  baseRef: string
  /** Where git serves the repository when the checkout was cloned with git: its change is pushed there. Absent: the Git Data API. */
  gitBase?: string
  finish(outcome: 'ok' | 'failed'): Promise<void>
}

/**
 * A workspace's folder, `GAFFER_HOME/workspaces/<repo>-<n>-<run>/`, holds three things:
 * `work/` (the checkout the CLI may change), `base.git/` (Gaffer's own record of the base
 * commit, outside the CLI's reach: what changed is read from it, never from the
 * checkout's `.git`, whose config the CLI could have turned into commands) and
 * `workspace.json` (when it was made, and when its run failed).
 */
export const WORK_DIR = 'work'
export const BASE_GIT_DIR = 'base.git'
export const STATE_FILE = 'workspace.json'
/** In `base.git`, the commit a clone checked out (as GitHub has it), which a push builds on. */
export const BASE_REF = 'refs/gaffer/base'

export type WorkspaceState = { createdAt: string; failedAt?: string; repository: string; branch: string; purpose: 'work' | 'review' }

export function workspaceRoot(workspace: Pick<Workspace, 'dir'>): string {
  return path.dirname(workspace.dir)
}

export function workspacesDir(home: string): string {
  return path.join(home, 'workspaces')
}
