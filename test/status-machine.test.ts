import { describe, expect, expectTypeOf, it } from 'vitest'
import { statuses, type Status } from '../src/company/labels.ts'
import { eventsBetween, transition, type StatusEvent } from '../src/company/status-machine.ts'

/** Every event, checked against the exported type below so a new event cannot be left out of the sweep. */
const events = [
  'route',
  'claim',
  'hand_back',
  'lease_expired',
  'attempts_exhausted',
  'submit_for_review',
  'block',
  'escalate',
  'request_approval',
  'delegate',
  'finish',
  'children_done',
  'unblock',
  'reassign',
  'approve',
  'reject',
  'changes_requested',
  'new_push',
  'merge',
  'reopen',
] as const satisfies readonly StatusEvent[]

/** SPEC §4: every transition the machine allows, and nothing else. */
const allowed: ReadonlyArray<{ from: Status | null; event: StatusEvent; to: Status }> = [
  { from: null, event: 'route', to: 'todo' },
  { from: 'todo', event: 'claim', to: 'in-progress' },
  { from: 'in-progress', event: 'hand_back', to: 'todo' },
  { from: 'in-progress', event: 'lease_expired', to: 'todo' },
  { from: 'in-progress', event: 'attempts_exhausted', to: 'blocked' },
  { from: 'in-progress', event: 'submit_for_review', to: 'review' },
  { from: 'in-progress', event: 'block', to: 'blocked' },
  { from: 'blocked', event: 'escalate', to: 'blocked' },
  { from: 'in-progress', event: 'request_approval', to: 'needs-approval' },
  { from: 'in-progress', event: 'delegate', to: 'waiting' },
  { from: 'in-progress', event: 'finish', to: 'done' },
  { from: 'waiting', event: 'children_done', to: 'todo' },
  { from: 'blocked', event: 'unblock', to: 'todo' },
  { from: null, event: 'reassign', to: 'todo' },
  { from: 'todo', event: 'reassign', to: 'todo' },
  { from: 'blocked', event: 'reassign', to: 'todo' },
  { from: 'needs-approval', event: 'approve', to: 'todo' },
  { from: 'needs-approval', event: 'reject', to: 'blocked' },
  { from: 'review', event: 'changes_requested', to: 'todo' },
  { from: null, event: 'new_push', to: 'todo' },
  { from: 'todo', event: 'new_push', to: 'todo' },
  { from: 'review', event: 'new_push', to: 'todo' },
  { from: 'review', event: 'merge', to: 'done' },
  { from: 'todo', event: 'merge', to: 'done' },
  { from: 'done', event: 'reopen', to: 'todo' },
]

describe('transition', () => {
  it('sweeps every event the machine declares', () => {
    expectTypeOf<(typeof events)[number]>().toEqualTypeOf<StatusEvent>()
    expect(new Set(events).size).toBe(events.length)
  })

  it.each(allowed)('$from + $event → $to', ({ from, event, to }) => {
    const result = transition(from, event)

    expect(result).toEqual({ ok: true, to })
  })

  it.each<{ from: Status | null; event: StatusEvent; fromName: string; allowedFrom: string[] }>([
    { from: 'todo', event: 'finish', fromName: 'todo', allowedFrom: ['in-progress'] },
    { from: 'done', event: 'claim', fromName: 'done', allowedFrom: ['todo'] },
    { from: 'blocked', event: 'claim', fromName: 'blocked', allowedFrom: ['todo'] },
    { from: 'in-progress', event: 'claim', fromName: 'in-progress', allowedFrom: ['todo'] },
    { from: 'waiting', event: 'claim', fromName: 'waiting', allowedFrom: ['todo'] },
    { from: null, event: 'claim', fromName: 'no status', allowedFrom: ['todo'] },
    { from: 'review', event: 'block', fromName: 'review', allowedFrom: ['in-progress'] },
    { from: 'needs-approval', event: 'unblock', fromName: 'needs-approval', allowedFrom: ['blocked'] },
    { from: 'done', event: 'approve', fromName: 'done', allowedFrom: ['needs-approval'] },
    { from: 'todo', event: 'children_done', fromName: 'todo', allowedFrom: ['waiting'] },
    { from: 'in-progress', event: 'merge', fromName: 'in-progress', allowedFrom: ['review', 'todo'] },
    { from: 'in-progress', event: 'new_push', fromName: 'in-progress', allowedFrom: ['no status', 'todo', 'review'] },
    { from: 'review', event: 'reassign', fromName: 'review', allowedFrom: ['no status', 'todo', 'blocked'] },
  ])('refuses $event from $fromName and says why', ({ from, event, fromName, allowedFrom }) => {
    const result = transition(from, event)

    expect(result.ok).toBe(false)
    const reason = result.ok ? '' : result.reason
    expect(reason).toContain(event)
    expect(reason).toContain(`from ${fromName}`)
    for (const state of allowedFrom) expect(reason).toContain(state)
    expect(reason).toBe(`${event} is not allowed from ${fromName} (only from ${allowedFrom.join(' or ')})`)
  })

  const everyPair = [null, ...statuses].flatMap((from) => events.map((event) => ({ from, event })))

  it.each(everyPair)('$from + $event is allowed only if the SPEC table lists it', ({ from, event }) => {
    const listed = allowed.find((row) => row.from === from && row.event === event)

    const result = transition(from, event)

    if (listed === undefined) expect(result.ok).toBe(false)
    else expect(result).toEqual({ ok: true, to: listed.to })
  })

  it('moves an item out of done only when a person reopens it', () => {
    const leaves = events.filter((event) => transition('done', event).ok)

    expect(leaves).toEqual(['reopen'])
  })

  it.each<{ from: Status | null; to: Status; events: StatusEvent[] }>([
    { from: 'blocked', to: 'todo', events: ['unblock', 'reassign'] },
    { from: 'needs-approval', to: 'todo', events: ['approve'] },
    { from: 'needs-approval', to: 'blocked', events: ['reject'] },
    { from: 'todo', to: 'done', events: ['merge'] },
    { from: 'todo', to: 'blocked', events: [] },
  ])('reads a move from $from to $to as $events', ({ from, to, events: expected }) => {
    expect(eventsBetween(from, to)).toEqual(expected)
  })
})
