import { statusLabel, type Status } from '../company/labels.ts'
import { transition, type StatusEvent } from '../company/status-machine.ts'
import type { Octokit } from '../github/octokit.ts'
import { upsertMarkedComment } from '../github/upsert-marked-comment.ts'
import { moveLabels } from '../github/writes.ts'
import type { Logger } from '../log.ts'
import { appendAudit } from '../store/audit-log.ts'
import type { Pool } from '../store/pool.ts'
import { compareAndSetStatus, markClosed, recordLabels } from '../store/work-items.ts'
import { notificationSelection } from '../config/notification-selection.ts'
import type { SettingsLookup } from '../config/repository-settings.ts'
import { itemEventsOf, recordItemEvents } from '../notify/record-item-events.ts'
import { resumeParentOf } from './resume-parent.ts'

export type MoveDeps = {
  pool: Pool
  log?: Logger | undefined
  /** Wakes an agent given work: the owner of a parent whose last child finished. */
  wake?: ((repository: string, agent: string) => void) | undefined
  /** The app's own login: its status comment is the one it wrote, never one someone planted. */
  botLogin: () => string
  /** Each repository's settings: which notification channels and events it chose (`.github/gaffer.yml`); everything to every channel without them. */
  settings?: SettingsLookup | undefined
}

/** An item as the caller last saw it; `status` is where the move starts from. */
export type MovableItem = {
  repository: string
  number: number
  status: Status | null
  labels: readonly string[]
  kind?: 'issue' | 'pull'
  state?: 'open' | 'closed' | undefined
  /** GitHub's id of the item, from the mirror: with it the move is one GraphQL request. */
  node_id?: string | null | undefined
}

export type MoveOptions = {
  /** Gaffer's status comment on the item, edited in place on later moves. */
  note?: string | undefined
  /** Labels that change with the status (an owner, `needs-human`), as a delta. */
  add?: readonly string[]
  remove?: readonly string[]
  /** Who asked, for the log and the audit of a refusal. */
  actor?: string
  /**
   * The claim or lease statement already moved the mirror (it is what decided the
   * winner among replicas); only GitHub follows.
   */
  mirrorMoved?: boolean
  /** The run moving the item: it must still hold the claim (a run whose lease lapsed moves nothing). */
  heldBy?: number | undefined
}

export type Move = { ok: true; from: Status | null; to: Status; labels: string[] } | { ok: false; reason: string }

const isStatusLabel = (label: string) => label.startsWith('status:')

/** How much of a move's note the audit row keeps (the whole note is the status comment on GitHub). */
const NOTE_LIMIT = 1000

/**
 * The one status writer (SPEC §13): every status change of every item — claims, lease
 * expiry, tools, commands, merges, a person's label edit — comes through here. It asks
 * the transition table, refuses and logs anything the table does not allow, moves the
 * mirror only if the item is still where the caller saw it (so of two racing writers
 * one wins), and moves GitHub's labels as a delta in the same step. `done` also closes
 * the item (in the same GitHub request as the labels, where GitHub takes GraphQL) and
 * resumes its parent if that waited on it.
 */
export async function moveItem(deps: MoveDeps, octokit: Octokit, item: MovableItem, event: StatusEvent, options: MoveOptions = {}): Promise<Move> {
  const from = item.status
  const next = transition(from, event)
  if (!next.ok) return refuse(deps, item, event, options.actor, next.reason)
  const to = next.to
  const target = statusLabel(to)
  const extra = new Set(options.remove ?? [])
  const expected = [...new Set([...item.labels.filter((label) => !isStatusLabel(label) && !extra.has(label)), target, ...(options.add ?? [])])]
  if (
    !options.mirrorMoved &&
    !(await compareAndSetStatus(deps.pool, item.repository, item.number, { from, to, labels: expected, heldBy: options.heldBy }))
  ) {
    // Lost a race to another writer: not a refusal of the rules, so it is logged but not audited.
    const reason = `#${item.number} is no longer ${from ?? 'without a status'}; it moved meanwhile`
    deps.log?.info({ item: `${item.repository}#${item.number}`, event, from, actor: options.actor }, reason)
    return { ok: false, reason }
  }
  const add = [...(item.labels.includes(target) && from === to ? [] : [target]), ...(options.add ?? [])]
  const closing = to === 'done' && item.state !== 'closed'
  let labels: string[] = [...item.labels]
  try {
    if (add.length > 0 || extra.size > 0 || closing) {
      const changed = await moveLabels(
        octokit,
        { repository: item.repository, number: item.number, nodeId: item.node_id },
        {
          add,
          remove: add.length > 0 ? (label) => (isStatusLabel(label) && label !== target) || extra.has(label) : [...extra],
          seen: item.labels,
          close: closing ? (item.kind === 'pull' ? 'pull' : 'issue') : undefined,
        },
        deps.log,
      )
      // Unknown only when GitHub did not answer them all: what the move meant to leave.
      labels = changed ?? (add.length > 0 ? expected : labels.filter((label) => !extra.has(label)))
    }
  } catch (error) {
    // GitHub refused: the mirror goes back to where it was, so the two never disagree for long.
    if (!options.mirrorMoved)
      await compareAndSetStatus(deps.pool, item.repository, item.number, { from: to, to: from, labels: item.labels }).catch(() => {})
    throw error
  }
  await recordLabels(deps.pool, item.repository, item.number, labels)
  if (closing) await markClosed(deps.pool, item.repository, item.number)
  if (options.note !== undefined) await upsertMarkedComment(octokit, deps.botLogin(), item, { kind: 'status' }, options.note)
  deps.log?.info({ item: `${item.repository}#${item.number}`, event, from, to, actor: options.actor }, 'status moved')
  // The item's timeline on the dashboard: every move, with what the mover said about it.
  await appendAudit(deps.pool, {
    actor: options.actor ?? 'gaffer',
    action: 'status',
    repository: item.repository,
    target: item.number,
    outcome: to,
    detail: { event, from, to, ...(options.note ? { note: options.note.slice(0, NOTE_LIMIT) } : {}) },
  })
  // Beside the audit row: the outbox row a notification is sent from, never the send itself.
  const events = itemEventsOf({ from, to, labelsBefore: item.labels, added: options.add ?? [] })
  if (events.length > 0) await recordItemEvents(deps, item, events, deps.settings && notificationSelection(deps.settings.get(item.repository)))
  if (to === 'done') await resumeParentOf(deps, octokit, item.repository, item.number)
  return { ok: true, from, to, labels }
}

async function refuse(deps: MoveDeps, item: MovableItem, event: StatusEvent, actor: string | undefined, reason: string): Promise<Move> {
  deps.log?.warn({ item: `${item.repository}#${item.number}`, event, from: item.status, actor }, `refused status change: ${reason}`)
  await appendAudit(deps.pool, {
    actor: actor ?? 'gaffer',
    action: `status.${event}`,
    repository: item.repository,
    target: item.number,
    outcome: 'refused',
    detail: { from: item.status, reason },
  })
  return { ok: false, reason }
}
