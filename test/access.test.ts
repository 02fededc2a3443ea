import { describe, expect, it } from 'vitest'
import { atLeast, isAccess, type Access } from '../src/company/access.ts'

describe('repository access, one ranking for commands and permission checks', () => {
  it.each<[Access, Access, boolean]>([
    ['admin', 'maintain', true],
    ['maintain', 'maintain', true],
    ['write', 'maintain', false],
    ['write', 'write', true],
    ['triage', 'write', false],
    ['triage', 'triage', true],
    ['read', 'triage', false],
    ['none', 'read', false],
    ['read', 'none', true],
  ])('%s is at least %s: %s', (access, needed, expected) => {
    expect(atLeast(access, needed)).toBe(expected)
  })

  it.each([
    ['admin', true],
    ['triage', true],
    ['none', true],
    ['pull', false],
    ['toString', false],
    ['', false],
  ])('"%s" is a role GitHub may name: %s', (role, expected) => {
    expect(isAccess(role)).toBe(expected)
  })
})
