import type { Probot } from 'probot'
import { countRequests } from '../github/count-requests.ts'
import type { EtagCache } from '../github/etag-cache.ts'
import { listInstallationRepositories } from '../github/list-installation-repositories.ts'
import { listInstallations } from '../github/list-installations.ts'
import { reconcileRepository, type ReconcileResult } from './reconcile-repository.ts'
import type { SettingsRegistry } from './settings-registry.ts'
import type { MirrorDeps } from './sync-item.ts'

/** Reconciles every repository of every installation, counting the GitHub requests each one took. */
export async function reconcileInstallations(deps: {
  probot: Probot
  mirror: MirrorDeps & { settings: SettingsRegistry }
  etags: EtagCache
}): Promise<ReconcileResult[]> {
  const results: ReconcileResult[] = []
  for (const installation of await listInstallations(deps.probot)) {
    const octokit = await deps.probot.auth(installation.id)
    const requests = countRequests(octokit)
    for (const repository of await listInstallationRepositories(octokit, installation.account)) {
      const before = requests.count
      const result = await reconcileRepository(deps.mirror, octokit, { ...repository, installationId: installation.id }, deps.etags)
      results.push({ ...result, githubRequests: requests.count - before })
    }
  }
  return results
}
