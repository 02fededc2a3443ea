import { GitHubIssue, toGitHubItem } from '../github/schema.ts'
import { httpStatus, splitRepository, type Octokit } from '../github/octokit.ts'
import { markReconciled, upsertRepository } from '../store/repositories.ts'
import { deleteWorkItem, listOpenNumbers } from '../store/work-items.ts'
import { syncItem, type MirrorDeps } from './sync-item.ts'

export type ReconcileResult = { repository: string; open: number; healed: number }

/**
 * Heals the mirror of one repository from GitHub: every open issue and pull request is
 * mirrored and routed, and items the mirror still thinks are open are re-read, so an
 * event whose webhook was lost is caught up.
 */
export async function reconcileRepository(
  deps: MirrorDeps,
  octokit: Octokit,
  repository: { fullName: string; defaultBranch: string; installationId: number },
): Promise<ReconcileResult> {
  const { fullName } = repository
  const { owner, repo } = splitRepository(fullName)
  await upsertRepository(deps.pool, repository)
  await deps.rosters.reload(octokit, repository)

  const open = (await octokit.paginate('GET /repos/{owner}/{repo}/issues', { owner, repo, state: 'open', per_page: 100 })).map(
    (raw) => GitHubIssue.parse(raw),
  )
  const seen = new Set(open.map((issue) => issue.number))
  for (const issue of open) await syncItem(deps, octokit, toGitHubItem(fullName, issue), { route: true })

  let healed = 0
  for (const number of await listOpenNumbers(deps.pool, fullName)) {
    if (seen.has(number)) continue
    healed += 1
    try {
      const response = await octokit.request('GET /repos/{owner}/{repo}/issues/{issue_number}', { owner, repo, issue_number: number })
      await syncItem(deps, octokit, toGitHubItem(fullName, GitHubIssue.parse(response.data)), { route: false })
    } catch (error) {
      if (httpStatus(error) !== 404 && httpStatus(error) !== 410) throw error
      await deleteWorkItem(deps.pool, fullName, number)
    }
  }
  await markReconciled(deps.pool, fullName)
  deps.log.info({ repository: fullName, open: open.length, healed }, 'reconciled repository')
  return { repository: fullName, open: open.length, healed }
}
