import { routeItem, type Routing } from '../company/route-item.ts'
import { parseMarker, withMarker } from '../github/marker.ts'
import { splitRepository, type Octokit } from '../github/octokit.ts'
import type { Logger } from '../log.ts'
import { appendAudit } from '../store/audit-log.ts'
import type { Pool } from '../store/pool.ts'
import { setMirroredLabels, upsertWorkItem, type GitHubItem } from '../store/work-items.ts'
import type { RosterRegistry } from './roster-registry.ts'

export type MirrorDeps = { pool: Pool; log: Logger; rosters: RosterRegistry }

/**
 * Mirrors one item and, when `route` is set, applies the routing of SPEC §4 on GitHub.
 * Events caused by Gaffer's own writes are mirrored with `route: false`, so they never
 * trigger work a second time.
 */
export async function syncItem(deps: MirrorDeps, octokit: Octokit, item: GitHubItem, options: { route: boolean }): Promise<void> {
  const fresh = await upsertWorkItem(deps.pool, item)
  // Only an item known to be open is routed; an event that does not give the state changes no labels.
  if (!fresh || !options.route || item.state !== 'open') return
  const routing = routeItem({ state: item.state, labels: item.labels }, deps.rosters.get(item.repository))
  if (routing.add.length === 0 && routing.remove.length === 0) return
  await applyRouting(deps, octokit, item, routing)
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
  if (routing.repairNote) await upsertMarkedComment(octokit, item, 'status-repair', routing.repairNote)
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

/** Edits Gaffer's comment of this kind on the item, or creates it: never a second copy. */
export async function upsertMarkedComment(octokit: Octokit, item: GitHubItem, kind: string, body: string): Promise<void> {
  const { owner, repo } = splitRepository(item.repository)
  const comments = await octokit.paginate('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', {
    owner,
    repo,
    issue_number: item.number,
    per_page: 100,
  })
  const existing = comments.find((comment) => parseMarker(comment.body)?.kind === kind)
  const text = withMarker(body, { kind })
  if (existing) {
    if (existing.body === text) return
    await octokit.request('PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}', { owner, repo, comment_id: existing.id, body: text })
  } else {
    await octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', { owner, repo, issue_number: item.number, body: text })
  }
}
