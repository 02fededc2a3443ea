import { describe, expect, it } from 'vitest'
import type { Access } from '../src/company/access.ts'
import { holdsPull, mayHoldPull, mayRelease, outsiderPullNote, releasesPull, type OutsiderPulls } from '../src/company/outsider-pull.ts'

const bot = 'gaffer[bot]'

describe('mayHoldPull', () => {
  it.each<[string, OutsiderPulls, 'issue' | 'pull', string | null, string | null, boolean]>([
    ["a person's new pull request", 'hold', 'pull', null, 'oscar', true],
    ['an author GitHub no longer knows', 'hold', 'pull', null, null, true],
    ['with GAFFER_OUTSIDER_PULLS=route', 'route', 'pull', null, 'oscar', false],
    ['an issue', 'hold', 'issue', null, 'oscar', false],
    ['one already routed (it has a status)', 'hold', 'pull', 'todo', 'oscar', false],
    ["the app's own", 'hold', 'pull', null, bot, false],
    ["another bot's (dependabot, as today)", 'hold', 'pull', null, 'dependabot[bot]', false],
  ])('%s', (_, policy, kind, status, author, expected) => {
    expect(mayHoldPull({ policy, kind, status, author, botLogin: bot })).toBe(expected)
  })
})

describe('holdsPull', () => {
  it.each<[Access, boolean, boolean]>([
    ['none', false, true],
    ['read', false, true],
    ['triage', false, true],
    ['write', false, false],
    ['maintain', false, false],
    ['admin', false, false],
    ['none', true, false],
  ])('author %s, released by a writer %s: held %s', (authorAccess, releasedByWriter, held) => {
    expect(holdsPull({ authorAccess, releasedByWriter })).toBe(held)
  })
})

describe('who and what release a held pull request', () => {
  it.each<[string, boolean]>([
    ['agent:reviewer', true],
    ['area:review', true],
    ['bug', false],
    ['status:todo', false],
  ])('label %s releases: %s', (label, expected) => {
    expect(releasesPull(label, (l) => l === 'area:review')).toBe(expected)
  })

  it.each<[Access, boolean]>([
    ['triage', false],
    ['write', true],
    ['admin', true],
  ])('%s may release: %s', (access, expected) => {
    expect(mayRelease(access)).toBe(expected)
  })
})

describe('outsiderPullNote', () => {
  it.each([
    [
      ['area:review'],
      "Thanks! A maintainer needs to label this pull request (for example `area:review`) or `/assign` it before Gaffer's reviewer looks at it.",
    ],
    [[], "Thanks! A maintainer needs to label this pull request or `/assign` it before Gaffer's reviewer looks at it."],
  ])('%j', (labels, text) => {
    expect(outsiderPullNote(labels)).toBe(text)
  })
})
