import { z } from 'zod'
import { createEtagCache, type EtagCache } from '../github/etag-cache.ts'
import { GitHubIssue, toGitHubItem } from '../github/schema.ts'
import { recomputePriorities } from '../store/priorities.ts'
import { httpStatus, splitRepository, type Octokit } from '../github/octokit.ts'
import { markReconciled, upsertRepository } from '../store/repositories.ts'
import { deleteWorkItem, listOpenItems } from '../store/work-items.ts'
import { readItem } from '../github/read-item.ts'
import type { SettingsRegistry } from './settings-registry.ts'
import { syncItem, type MirrorDeps } from './sync-item.ts'
import { resumeOrphanedParents } from './resume-parent.ts'

const PAGE = 100

/** `githubRequests` is filled in by the caller, which owns the request counter. */
export type ReconcileResult = { repository: string; open: number; healed: number; githubRequests?: number }

/**
 * Heals the mirror of one repository from GitHub: every open issue and pull request is
 * mirrored and routed, and items the mirror still thinks are open are re-read, so an
 * event whose webhook was lost is caught up.
 */
export async function reconcileRepository(
  deps: MirrorDeps & { settings: SettingsRegistry },
  octokit: Octokit,
  repository: { fullName: string; defaultBranch: string; installationId: number },
  etags: EtagCache = createEtagCache(),
): Promise<ReconcileResult> {
  const { fullName } = repository
  const { owner, repo } = splitRepository(fullName)
  await upsertRepository(deps.pool, repository)
  await deps.rosters.reload(octokit, repository)
  await deps.settings.reload(octokit, repository)

  // Page by page with conditional requests: an unchanged page answers 304 and costs no rate limit.
  const seen = new Set<number>()
  let open = 0
  for (let page = 1; ; page += 1) {
    const read = await etags.get(octokit, 'GET /repos/{owner}/{repo}/issues', { owner, repo, state: 'open', per_page: PAGE, page })
    const issues = z.array(GitHubIssue).parse(read.data)
    for (const issue of issues) {
      seen.add(issue.number)
      if (read.changed) await syncItem(deps, octokit, toGitHubItem(fullName, issue), { route: true, heal: true })
    }
    open += issues.length
    if (issues.length < PAGE) break
  }

  let healed = 0
  for (const { number, kind } of await listOpenItems(deps.pool, fullName)) {
    if (seen.has(number)) continue
    healed += 1
    try {
      await syncItem(deps, octokit, (await readItem(octokit, fullName, number, kind)).item, { route: false, heal: true })
    } catch (error) {
      if (httpStatus(error) !== 404 && httpStatus(error) !== 410) throw error
      await deleteWorkItem(deps.pool, fullName, number)
    }
  }
  await resumeOrphanedParents(deps, octokit, fullName)
  await recomputePriorities(deps.pool, fullName, deps.now?.() ?? new Date())
  await markReconciled(deps.pool, fullName)
  deps.log.info({ repository: fullName, open, healed }, 'reconciled repository')
  return { repository: fullName, open, healed }
}
