import type { Octokit } from '../github/octokit.ts'
import { appendAudit } from '../store/audit-log.ts'
import { parentNumberOf, parentsReadyToResume, type WorkItem } from '../store/work-items.ts'
import { moveItem, type MoveDeps } from './move-item.ts'

/**
 * A `waiting` item returns to `todo` once its last open child is done or closed, and its
 * owner is woken to see the children's results (SPEC §4). The status writer's
 * compare-and-set decides, so when two writers notice at once (a merge and the close it
 * causes) only one of them resumes the parent.
 */
export async function resumeWaitingParent(deps: MoveDeps, octokit: Octokit, repository: string, parentNumber: number): Promise<void> {
  for (const parent of await parentsReadyToResume(deps.pool, repository, parentNumber)) await resume(deps, octokit, parent)
}

/** After a child finished: its parent, if it waited on it and nothing else. */
export async function resumeParentOf(deps: MoveDeps, octokit: Octokit, repository: string, childNumber: number): Promise<void> {
  const parent = await parentNumberOf(deps.pool, repository, childNumber)
  if (parent !== undefined) await resumeWaitingParent(deps, octokit, repository, parent)
}

/** Parents still `waiting` although none of their children is open (a child deleted, a resume lost to a crash). */
export async function resumeOrphanedParents(deps: MoveDeps, octokit: Octokit, repository: string): Promise<void> {
  for (const parent of await parentsReadyToResume(deps.pool, repository)) await resume(deps, octokit, parent)
}

async function resume(deps: MoveDeps, octokit: Octokit, parent: WorkItem): Promise<void> {
  const moved = await moveItem(deps, octokit, parent, 'children_done')
  if (!moved.ok) return
  deps.log?.info({ item: `${parent.repository}#${parent.number}` }, 'every child is done; the parent is ready again')
  await appendAudit(deps.pool, { actor: 'gaffer', action: 'children_done', repository: parent.repository, target: parent.number, outcome: 'todo' })
  if (parent.owner_agent) deps.wake?.(parent.repository, parent.owner_agent)
}
