import type { Status } from './labels.ts'

/** What moves an item from one status to another (SPEC §4, §13). */
export type StatusEvent =
  | 'route'
  | 'claim'
  | 'hand_back'
  | 'lease_expired'
  | 'attempts_exhausted'
  | 'submit_for_review'
  | 'block'
  | 'escalate'
  | 'request_approval'
  | 'delegate'
  | 'finish'
  | 'children_done'
  | 'unblock'
  | 'reassign'
  | 'approve'
  | 'reject'
  | 'changes_requested'
  | 'new_push'
  | 'merge'
  | 'reopen'

/** `none` is an item without a status label (not yet routed). */
type From = Status | 'none'

const transitions: Record<StatusEvent, Partial<Record<From, Status>>> = {
  // An owned item without a status is ready for its owner.
  route: { none: 'todo' },
  claim: { todo: 'in-progress' },
  // Work stopped on purpose (a graceful stop): back to the queue without counting an attempt.
  hand_back: { 'in-progress': 'todo' },
  lease_expired: { 'in-progress': 'todo' },
  attempts_exhausted: { 'in-progress': 'blocked' },
  submit_for_review: { 'in-progress': 'review' },
  block: { 'in-progress': 'blocked' },
  // A blocked item handed one level up its chain stays blocked.
  escalate: { blocked: 'blocked' },
  request_approval: { 'in-progress': 'needs-approval' },
  delegate: { 'in-progress': 'waiting' },
  finish: { 'in-progress': 'done' },
  children_done: { waiting: 'todo' },
  unblock: { blocked: 'todo' },
  // A new owner starts fresh; an item being worked, waiting, in review or done is not taken away.
  reassign: { none: 'todo', todo: 'todo', blocked: 'todo' },
  // Answers an approval request. An issue in review is finished by its pull request's merge, not an approval.
  approve: { 'needs-approval': 'todo' },
  reject: { 'needs-approval': 'blocked' },
  // Back to the owner's queue: its next claim makes it in-progress again.
  changes_requested: { review: 'todo' },
  // A pull request's new head goes back to its reviewer; one being reviewed right now is left to that run.
  new_push: { none: 'todo', todo: 'todo', review: 'todo' },
  // A merge finishes what it delivers; an item someone is working on is not finished under them.
  merge: { review: 'done', todo: 'done' },
  // A person reopened a finished issue: it is work again.
  reopen: { done: 'todo' },
}

export type Transition = { ok: true; to: Status } | { ok: false; reason: string }

/** The status an event leads to, or why it is refused. Pure: the caller logs and applies it. */
export function transition(from: Status | null, event: StatusEvent): Transition {
  const to = transitions[event][from ?? 'none']
  if (to !== undefined) return { ok: true, to }
  const allowed = Object.keys(transitions[event])
    .map((key) => (key === 'none' ? 'no status' : key))
    .join(' or ')
  return { ok: false, reason: `${event} is not allowed from ${from ?? 'no status'} (only from ${allowed})` }
}

/** The events that lead from `from` to `to`, for reading a person's label edit as an event. */
export function eventsBetween(from: Status | null, to: Status): StatusEvent[] {
  return (Object.keys(transitions) as StatusEvent[]).filter((event) => transitions[event][from ?? 'none'] === to)
}
