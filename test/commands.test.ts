import { describe, expect, it } from 'vitest'
import { mayRun, parseCommands, type Actor } from '../src/company/commands.ts'

describe('parseCommands', () => {
  it.each([
    ['/approve', [{ name: 'approve', args: '' }]],
    ['/APPROVE looks good', [{ name: 'approve', args: 'looks good' }]],
    ['Thanks!\n/reject the API shape is wrong\nmore text', [{ name: 'reject', args: 'the API shape is wrong' }]],
    ['  /priority p1', [{ name: 'priority', args: 'p1' }]],
    ['/assign backend-engineer\n/priority p0', [{ name: 'assign', args: 'backend-engineer' }, { name: 'priority', args: 'p0' }]],
    ['please /approve this', []],
    ['/approved', []],
    ['/deploy now', []],
    ['```\n/approve\n```', []],
    ['~~~\n/unblock\n~~~\n/status', [{ name: 'status', args: '' }]],
    ['````\n```\n/approve\n```\n````', []],
    ['    /approve (indented code)', []],
    ['`/approve` inline code', []],
    ['/hold\r\n/unhold', [{ name: 'hold', args: '' }, { name: 'unhold', args: '' }]],
    ['/pause docs-writer', [{ name: 'pause', args: 'docs-writer' }]],
  ])('%j → %j', (body, expected) => {
    expect(parseCommands(body)).toEqual(expected)
  })
})

describe('mayRun', () => {
  const actor = (overrides: Partial<Actor>): Actor => ({ login: 'someone', isBot: false, access: 'read', isApprover: false, isAuthor: false, ...overrides })

  it.each([
    ['approve', { access: 'write' }, true],
    ['approve', { access: 'read' }, false],
    ['approve', { access: 'read', isApprover: true }, true],
    ['approve', { access: 'admin', isBot: true }, false],
    ['approve', { access: 'admin', isAuthor: true }, false],
    ['reject', { access: 'write', isAuthor: true }, true],
    ['unblock', { access: 'triage' }, false],
    ['unblock', { access: 'maintain' }, true],
    ['assign', { access: 'write' }, true],
    ['priority', { access: 'none' }, false],
    ['hold', { access: 'triage' }, true],
    ['unhold', { access: 'read' }, false],
    ['pause', { access: 'write' }, false],
    ['pause', { access: 'maintain' }, true],
    ['resume', { access: 'admin' }, true],
    ['status', { access: 'none' }, true],
    ['status', { access: 'none', isBot: true }, true],
  ] as const)('/%s by %j → %s', (command, who, ok) => {
    const decision = mayRun(command, actor(who))

    expect(decision.ok).toBe(ok)
    if (!decision.ok) expect(decision.reason).toMatch(/needs|never|cannot/)
  })
})
