import { describe, expect, it } from 'vitest'
import { blownDelegationFuse, defaultFuses, type DelegationCounts, type Fuses } from '../src/company/fuses.ts'

/** Counts well inside every default fuse. */
const calm: DelegationCounts = { childDepth: 1, children: 0, createdLastHour: 0, openAgentIssues: 0 }

describe('blownDelegationFuse with the default fuses', () => {
  it('lets a delegation well inside every fuse go ahead', () => {
    const blown = blownDelegationFuse(calm, defaultFuses)

    expect(blown).toBeUndefined()
  })

  it.each([
    ['childDepth', 5],
    ['children', 9],
    ['createdLastHour', 19],
    ['openAgentIssues', 199],
  ] as const)('allows %s = %i, the most the fuse permits', (field, value) => {
    const blown = blownDelegationFuse({ ...calm, [field]: value }, defaultFuses)

    expect(blown).toBeUndefined()
  })

  it.each([
    ['childDepth', 6, 'delegation depth would be 6, over the limit of 5'],
    ['children', 10, 'this item already has 10 child items; the limit is 10'],
    ['createdLastHour', 20, 'this agent created 20 issues in the last hour; the limit is 20'],
    ['openAgentIssues', 200, "200 agent-created issues are open; the company's limit is 200"],
  ] as const)('blows at %s = %i and names the limit', (field, value, message) => {
    const blown = blownDelegationFuse({ ...calm, [field]: value }, defaultFuses)

    expect(blown).toBe(message)
  })

  it.each([
    ['children', 12, '10'],
    ['createdLastHour', 25, '20'],
    ['openAgentIssues', 250, '200'],
  ] as const)('names the real limit when %s = %i is already past it', (field, value, limit) => {
    const blown = blownDelegationFuse({ ...calm, [field]: value }, defaultFuses)

    expect(blown).toMatch(new RegExp(`\\b${limit}\\b`))
  })
})

describe('blownDelegationFuse with custom fuses', () => {
  const tight: Fuses = { ...defaultFuses, maxDepth: 2, maxChildrenPerItem: 3, maxIssuesPerAgentPerHour: 4, maxOpenAgentIssues: 5 }

  it.each([
    ['childDepth', 2, 3, /over the limit of 2/],
    ['children', 2, 3, /already has 3 child items; the limit is 3/],
    ['createdLastHour', 3, 4, /created 4 issues in the last hour; the limit is 4/],
    ['openAgentIssues', 4, 5, /^5 agent-created issues are open/],
  ] as const)('honours a custom limit for %s (%i allowed, %i blown)', (field, allowed, over, message) => {
    const atLimit = blownDelegationFuse({ ...calm, [field]: allowed }, tight)
    const pastLimit = blownDelegationFuse({ ...calm, [field]: over }, tight)

    expect(atLimit).toBeUndefined()
    expect(pastLimit).toMatch(message)
  })

  it('lets a raised limit allow what the default would blow', () => {
    const generous: Fuses = { ...defaultFuses, maxDepth: 10, maxChildrenPerItem: 50 }

    const blown = blownDelegationFuse({ ...calm, childDepth: 8, children: 30 }, generous)

    expect(blown).toBeUndefined()
  })
})
