import type { WorkspaceOps } from './workspace-seam.ts'

/**
 * The workspace functions of src/workspace/ (prepareWorkspace, collectChanges,
 * publishChanges). Until that module is merged, a CLI run stops here with a clear error
 * instead of running a CLI whose changes could not be published.
 */
function notAvailable(): never {
  throw new Error('CLI runtimes need the workspace module (src/workspace/), which this build does not include')
}

export const workspaceOps: WorkspaceOps = {
  prepareWorkspace: async () => notAvailable(),
  collectChanges: async () => notAvailable(),
  publishChanges: async () => notAvailable(),
}
