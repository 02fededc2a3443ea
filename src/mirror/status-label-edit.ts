import { isStatus, statusesIn, statusLabel } from '../company/labels.ts'
import { decideStatusEdit, statusEditRefusal } from '../company/status-edit.ts'
import { withMarker } from '../company/marker.ts'
import type { Octokit } from '../github/octokit.ts'
import { changeLabels, createComment } from '../github/writes.ts'
import { appendAudit } from '../store/audit-log.ts'
import { getWorkItem, recordLabels } from '../store/work-items.ts'
import { blockItem, escalationDepsFor, unblockItem } from './escalation.ts'
import type { CommentDeps } from './handle-comment.ts'
import { isApprover } from '../config/repository-settings.ts'
import { moveItem } from './move-item.ts'

export type StatusLabelEdit = {
  repository: string
  number: number
  action: 'labeled' | 'unlabeled'
  label: string
  sender: { login: string; type?: string | undefined }
}

/**
 * A person added or removed a `status:` label by hand (SPEC §13). The mirror already
 * holds the item's new labels but still its old status. A move the table allows and
 * the person may make is that event, through the status writer; anything else is
 * undone on GitHub with a reply saying why.
 */
export async function handleStatusLabelEdit(deps: CommentDeps, octokit: Octokit, edit: StatusLabelEdit): Promise<void> {
  const item = await getWorkItem(deps.pool, edit.repository, edit.number)
  const edited = edit.label.slice('status:'.length)
  if (!item || item.state !== 'open' || !isStatus(edited)) return
  let to: typeof item.status
  if (edit.action === 'labeled') {
    if (edited === item.status) return
    to = edited
  } else {
    // A stray second status label taken off, or one the item still carries, changes nothing.
    if (edited !== item.status || statusesIn(item.labels).includes(edited)) return
    to = null
  }
  const login = edit.sender.login
  const actor = {
    login,
    isBot: edit.sender.type === 'Bot' || login.endsWith('[bot]'),
    access: await deps.permissionOf(octokit, item.repository, login),
    isApprover: isApprover(deps.settings.get(item.repository), login),
    authoredPullRequest: false,
  }
  const decision = decideStatusEdit({ kind: item.kind, from: item.status, to, actor })
  const by = `@${login}`
  const escalation = escalationDepsFor(deps, item.repository)
  let done = false
  if (decision.ok) {
    switch (decision.event) {
      case 'unblock':
        done = await unblockItem(escalation, octokit, item, { by, note: 'moved to todo by label' })
        break
      case 'reject':
        done = await blockItem(escalation, octokit, item, `rejected by ${by} (status label)`, { event: 'reject' })
        break
      default: {
        const moved = await moveItem(deps, octokit, item, decision.event, { note: `Moved to \`status:${to}\` by ${by} (label).`, actor: login })
        done = moved.ok
        if (done && item.owner_agent) deps.wake?.(item.repository, item.owner_agent)
      }
    }
  }
  await appendAudit(deps.pool, {
    actor: login,
    action: 'status.label',
    repository: item.repository,
    target: item.number,
    outcome: done ? `${item.status ?? 'none'} → ${to}` : `refused: ${decision.ok ? 'the item moved meanwhile' : decision.reason}`,
    detail: { label: edit.label, action: edit.action },
  })
  if (done) return
  const reason = decision.ok ? 'the item moved meanwhile' : decision.reason
  // Put back the status the mirror holds now: another writer may have moved it while this edit was read.
  const now = (await getWorkItem(deps.pool, item.repository, item.number)) ?? item
  const labels = await changeLabels(octokit, item, {
    add: now.status ? [statusLabel(now.status)] : [],
    remove: edit.action === 'labeled' ? [edit.label] : [],
  })
  if (labels) await recordLabels(deps.pool, item.repository, item.number, labels)
  await createComment(octokit, item, withMarker(statusEditRefusal({ login, number: item.number, from: now.status, to, reason }), { kind: 'reply' }))
}
