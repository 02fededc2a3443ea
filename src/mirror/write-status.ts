import type { Status } from '../company/labels.ts'
import { statusLabel } from '../company/labels.ts'
import { splitRepository, type Octokit } from '../github/octokit.ts'
import type { Pool } from '../store/pool.ts'
import { setMirroredLabels } from '../store/work-items.ts'
import { upsertMarkedComment } from '../github/upsert-marked-comment.ts'

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
 * one (its endpoint takes no labels). A `note` becomes Gaffer's status comment on the
 * item, edited in place on later changes.
 */
export async function writeStatus(
  deps: { pool: Pool },
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
  if (status === 'blocked' && note !== undefined) {
    await deps.pool.query('update work_items set blocked_reason = $3 where repository = $1 and number = $2', [item.repository, item.number, note])
  }
  if (note !== undefined) {
    await upsertMarkedComment(octokit, { repository: item.repository, number: item.number }, { kind: 'status' }, note)
  }
  return labels
}
