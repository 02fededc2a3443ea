import type { Status } from './labels.ts'

/** What moves an item from one status to another (SPEC §4). */
export type StatusEvent =
  | 'claim'
  | 'lease_expired'
  | 'attempts_exhausted'
  | 'submit_for_review'
  | 'block'
  | 'request_approval'
  | 'delegate'
  | 'finish'
  | 'children_done'
  | 'unblock'
  | 'approve'
  | 'reject'
  | 'changes_requested'
  | 'merge'

const transitions: Record<StatusEvent, Partial<Record<Status, Status>>> = {
  claim: { todo: 'in-progress' },
  lease_expired: { 'in-progress': 'todo' },
  attempts_exhausted: { 'in-progress': 'blocked' },
  submit_for_review: { 'in-progress': 'review' },
  block: { 'in-progress': 'blocked' },
  request_approval: { 'in-progress': 'needs-approval' },
  delegate: { 'in-progress': 'waiting' },
  finish: { 'in-progress': 'done' },
  children_done: { waiting: 'todo' },
  unblock: { blocked: 'todo' },
  approve: { 'needs-approval': 'todo', review: 'done' },
  reject: { 'needs-approval': 'blocked' },
  // Back to the owner's queue: its next claim makes it in-progress again.
  changes_requested: { review: 'todo' },
  merge: { review: 'done' },
}

export type Transition = { ok: true; to: Status } | { ok: false; reason: string }

/** The status an event leads to, or why it is refused. Pure: the caller logs and applies it. */
export function transition(from: Status | null, event: StatusEvent): Transition {
  const to = from === null ? undefined : transitions[event][from]
  if (to !== undefined) return { ok: true, to }
  const allowed = Object.keys(transitions[event]).join(' or ')
  return { ok: false, reason: `${event} is not allowed from ${from ?? 'no status'} (only from ${allowed})` }
}
