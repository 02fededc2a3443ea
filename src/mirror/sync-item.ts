import { trustedProvenance } from '../company/marker.ts'
import { routeItem, type Routing } from '../company/route-item.ts'
import { upsertMarkedComment } from '../github/upsert-marked-comment.ts'
import { splitRepository, type Octokit } from '../github/octokit.ts'
import type { Logger } from '../log.ts'
import { appendAudit } from '../store/audit-log.ts'
import type { Pool } from '../store/pool.ts'
import { refreshItemPriority } from '../store/priorities.ts'
import { getWorkItem, setMirroredLabels, upsertWorkItem, type GitHubItem } from '../store/work-items.ts'
import { resumeWaitingParent } from './write-status.ts'
import type { RosterRegistry } from './roster-registry.ts'

export type MirrorDeps = {
  pool: Pool
  log: Logger
  rosters: RosterRegistry
  /** Wakes an agent that was just given work, without waiting for its cron. */
  wake?: (repository: string, agent: string) => void
  now?: () => Date
  /** The app's own login (`<slug>[bot]`): only what it wrote carries a marker to believe. */
  botLogin: () => string
}

/**
 * Mirrors one item and, when `route` is set, applies the routing of SPEC §4 on GitHub.
 * Events caused by Gaffer's own writes are mirrored with `route: false`, so they never
 * trigger work a second time.
 */
export async function syncItem(
  deps: MirrorDeps,
  octokit: Octokit,
  item: GitHubItem,
  options: { route: boolean; ownWrite?: boolean },
): Promise<void> {
  const provenance = trustedProvenance(item, deps.botLogin())
  const fresh = await upsertWorkItem(deps.pool, item, { labelsAreCurrent: !options.ownWrite, provenance })
  if (!fresh) return
  const now = deps.now?.() ?? new Date()
  await refreshItemPriority(deps.pool, item.repository, item.number, now)
  const mirrored = await getWorkItem(deps.pool, item.repository, item.number)
  // A child finished by someone else resumes its parent here; Gaffer's own writes do it as they write.
  if (!options.ownWrite && mirrored?.parent_number != null && (mirrored.state === 'closed' || mirrored.status === 'done')) {
    await resumeWaitingParent(deps, octokit, item.repository, mirrored.parent_number)
  }
  // Only an item known to be open is routed; an event that does not give the state changes no labels.
  if (!options.route || item.state !== 'open') return
  const routing = routeItem(
    { state: item.state, labels: item.labels, kind: item.kind, authorAgent: mirrored?.created_by_agent ?? undefined },
    deps.rosters.get(item.repository),
  )
  if (routing.add.length > 0 || routing.remove.length > 0) await applyRouting(deps, octokit, item, routing)
  if (routing.status === 'todo' && routing.owner !== undefined) deps.wake?.(item.repository, routing.owner)
}

async function applyRouting(deps: MirrorDeps, octokit: Octokit, item: GitHubItem, routing: Routing): Promise<void> {
  const { owner, repo } = splitRepository(item.repository)
  const target = { owner, repo, issue_number: item.number }
  let labels = item.labels.filter((label) => !routing.remove.includes(label))
  if (routing.add.length > 0) {
    const response = await octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/labels', { ...target, labels: routing.add })
    labels = response.data.map((label) => label.name).filter((label) => !routing.remove.includes(label))
  }
  for (const name of routing.remove) {
    await octokit.request('DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels/{name}', { ...target, name }).catch((error: unknown) => {
      // Already gone (a person removed it meanwhile) is the state we wanted.
      if ((error as { status?: number }).status !== 404) throw error
    })
  }
  await setMirroredLabels(deps.pool, item.repository, item.number, labels)
  if (routing.repairNote) await upsertMarkedComment(octokit, deps.botLogin(), item, { kind: 'status-repair' }, routing.repairNote)
  deps.log.info({ item: `${item.repository}#${item.number}`, add: routing.add, remove: routing.remove }, routing.reason)
  await appendAudit(deps.pool, {
    actor: 'gaffer',
    action: 'route',
    repository: item.repository,
    target: item.number,
    outcome: routing.reason,
    detail: { add: routing.add, remove: routing.remove },
  })
}
