import type { Octokit } from '../../github/octokit.ts'
import type { Logger } from '../../log.ts'
import type { Pool } from '../../store/pool.ts'
import type { ToolContext } from '../tool.ts'

/**
 * The workspace side of a CLI run (SPEC §14), as src/workspace/ provides it: a checkout
 * to run in, what changed in it, and publishing those changes as a pull request.
 */
export type Workspace = { dir: string; branch: string; baseSha: string; baseRef: string; finish(outcome: 'ok' | 'failed'): Promise<void> }

export type ChangedFile = { path: string; content: string } | { path: string; deleted: true }

export type Changes = { files: ChangedFile[]; refused: Array<{ path: string; reason: string }> }

export type WorkspaceOps = {
  prepareWorkspace(
    deps: { pool: Pool; log: Logger; home: string },
    octokit: Octokit,
    target: { repository: string; branch: string; base: string; purpose: 'work' | 'review' },
  ): Promise<Workspace>
  collectChanges(workspace: Workspace): Promise<Changes>
  publishChanges(ctx: ToolContext, workspace: Workspace, change: { title: string; body: string; files: ChangedFile[] }): Promise<{ number: number; url?: string }>
}
