import type { Status } from '../company/labels.ts'
import { statusLabel } from '../company/labels.ts'
import { splitRepository, type Octokit } from '../github/octokit.ts'
import type { Pool } from '../store/pool.ts'
import { setMirroredLabels } from '../store/work-items.ts'
import { upsertMarkedComment } from '../github/upsert-marked-comment.ts'
import type { Logger } from '../log.ts'
import { transition } from '../company/status-machine.ts'
import { appendAudit } from '../store/audit-log.ts'

export type StatusDeps = {
  pool: Pool
  log?: Logger
  /** Wakes an agent given work: the owner of a parent whose last child finished. */
  wake?: ((repository: string, agent: string) => void) | undefined
  /** The app's own login: its status comment is the one it wrote, never one someone planted. */
  botLogin: () => string
}

export type ItemRef = {
  repository: string
  number: number
  labels: readonly string[]
  kind?: 'issue' | 'pull'
  state?: 'open' | 'closed' | undefined
}

/**
 * Moves an item to `status` on GitHub with one request (the whole label set, so the old
 * status label goes and the new one comes together) and mirrors the result. `done`
 * also closes the item: an issue in that same request, a pull request with a second
 * one (its endpoint takes no labels), and resumes its parent if that was waiting on
 * it (the echo of Gaffer's own write triggers nothing). A `note` becomes Gaffer's
 * status comment on the item, edited in place on later changes.
 */
export async function writeStatus(
  deps: StatusDeps,
  octokit: Octokit,
  item: ItemRef,
  status: Status,
  note?: string,
): Promise<string[]> {
  const { owner, repo } = splitRepository(item.repository)
  const wanted = [...item.labels.filter((label) => !label.startsWith('status:')), statusLabel(status)]
  const closing = status === 'done' && item.state !== 'closed'
  let labels: string[]
  if (closing && item.kind !== 'pull') {
    const response = await octokit.request('PATCH /repos/{owner}/{repo}/issues/{issue_number}', {
      owner,
      repo,
      issue_number: item.number,
      labels: wanted,
      state: 'closed',
      state_reason: 'completed',
    })
    labels = response.data.labels.map((label) => (typeof label === 'string' ? label : (label.name ?? '')))
  } else {
    const response = await octokit.request('PUT /repos/{owner}/{repo}/issues/{issue_number}/labels', {
      owner,
      repo,
      issue_number: item.number,
      labels: wanted,
    })
    labels = response.data.map((label) => label.name)
    if (closing) await octokit.request('PATCH /repos/{owner}/{repo}/pulls/{pull_number}', { owner, repo, pull_number: item.number, state: 'closed' })
  }
  await setMirroredLabels(deps.pool, item.repository, item.number, labels)
  if (closing) await deps.pool.query("update work_items set state = 'closed' where repository = $1 and number = $2", [item.repository, item.number])
  if (note !== undefined) {
    await upsertMarkedComment(octokit, deps.botLogin(), { repository: item.repository, number: item.number }, { kind: 'status' }, note)
  }
  if (status === 'done') {
    const { rows } = await deps.pool.query<{ parent_number: number | null }>('select parent_number from work_items where repository = $1 and number = $2', [
      item.repository,
      item.number,
    ])
    const parent = rows[0]?.parent_number
    if (parent != null) await resumeWaitingParent(deps, octokit, item.repository, parent)
  }
  return labels
}

/**
 * A `waiting` item returns to `todo` once its last open child is done or closed, and its
 * owner is woken to see the children's results (SPEC §4). The move is decided by one
 * conditional update, so when two writers notice at once (a merge and the close it
 * causes) only one of them resumes the parent.
 */
export async function resumeWaitingParent(deps: StatusDeps, octokit: Octokit, repository: string, parentNumber: number): Promise<void> {
  const next = transition('waiting', 'children_done')
  if (!next.ok) return
  const { rows } = await deps.pool.query<{ labels: string[]; owner_agent: string | null }>(
    `update work_items p set status = $3, updated_at = now()
     where p.repository = $1 and p.number = $2 and p.status = 'waiting' and p.state = 'open'
       and not exists (select 1 from work_items c where c.repository = p.repository and c.parent_number = p.number
                         and c.state = 'open' and c.status is distinct from 'done')
     returning p.labels, p.owner_agent`,
    [repository, parentNumber, next.to],
  )
  const parent = rows[0]
  if (!parent) return
  await writeStatus(deps, octokit, { repository, number: parentNumber, labels: parent.labels }, next.to)
  deps.log?.info({ item: `${repository}#${parentNumber}` }, 'every child is done; the parent is ready again')
  await appendAudit(deps.pool, { actor: 'gaffer', action: 'children_done', repository, target: parentNumber, outcome: 'todo' })
  if (parent.owner_agent) deps.wake?.(repository, parent.owner_agent)
}

/** Parents still `waiting` although none of their children is open (a child deleted, a resume lost to a crash). */
export async function resumeOrphanedParents(deps: StatusDeps, octokit: Octokit, repository: string): Promise<void> {
  const { rows } = await deps.pool.query<{ number: number }>(
    `select p.number from work_items p
     where p.repository = $1 and p.status = 'waiting' and p.state = 'open'
       and exists (select 1 from work_items c where c.repository = p.repository and c.parent_number = p.number)
       and not exists (select 1 from work_items c where c.repository = p.repository and c.parent_number = p.number
                         and c.state = 'open' and c.status is distinct from 'done')`,
    [repository],
  )
  for (const { number } of rows) await resumeWaitingParent(deps, octokit, repository, number)
}
