import { collectChanges } from '../../workspace/collect-changes.ts'
import { prepareWorkspace } from '../../workspace/prepare-workspace.ts'
import { publishChanges } from '../../workspace/publish-changes.ts'

/**
 * The workspace side of a CLI run (SPEC §14), from src/workspace/: a checkout to run in,
 * what changed in it, and publishing those changes as a pull request. One object, so a
 * test can stand in for the checkout without a repository behind it.
 */
export type WorkspaceOps = {
  prepareWorkspace: typeof prepareWorkspace
  collectChanges: typeof collectChanges
  publishChanges: typeof publishChanges
}

export const workspaceOps: WorkspaceOps = { prepareWorkspace, collectChanges, publishChanges }
