import { describe, expect, it } from 'vitest'
import type { Actor } from '../src/company/commands.ts'
import type { Status } from '../src/company/labels.ts'
import { decideStatusEdit } from '../src/company/status-edit.ts'

const writer: Actor = { login: 'maya', isBot: false, access: 'write', isApprover: false, authoredPullRequest: false }
const reader: Actor = { ...writer, login: 'oscar', access: 'read' }

describe('decideStatusEdit', () => {
  it.each<[string, 'issue' | 'pull', Status | null, Status | null, Actor, string | false]>([
    ['a writer approves an approval request', 'issue', 'needs-approval', 'todo', writer, 'approve'],
    ['a writer rejects an approval request', 'issue', 'needs-approval', 'blocked', writer, 'reject'],
    ['a writer unblocks', 'issue', 'blocked', 'todo', writer, 'unblock'],
    ['a writer sends an issue in review back', 'issue', 'review', 'todo', writer, 'changes_requested'],
    ['a writer moves an issue in review to done (its pull request has not merged)', 'issue', 'review', 'done', writer, false],
    ['a reader approves an approval request', 'issue', 'needs-approval', 'todo', reader, false],
    ['anyone moves a pull request', 'pull', 'review', 'done', writer, false],
    ['a writer removes the status label', 'issue', 'todo', null, writer, false],
    ['a writer moves work in progress', 'issue', 'in-progress', 'done', writer, false],
  ])('%s', (_, kind, from, to, actor, event) => {
    const decision = decideStatusEdit({ kind, from, to, actor })
    expect(decision.ok ? decision.event : false).toBe(event)
  })

  it('says why an issue in review is not finished by hand', () => {
    const decision = decideStatusEdit({ kind: 'issue', from: 'review', to: 'done', actor: writer })

    expect(decision).toEqual({ ok: false, reason: 'an issue in review is done when its pull request merges' })
  })
})
