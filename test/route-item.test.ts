import { beforeAll, describe, expect, it } from 'vitest'
import { mostAdvanced, ownerIn, priorityIn, statusesIn, type Status } from '../src/company/labels.ts'
import { routeItem, type RoutingInput } from '../src/company/route-item.ts'
import { loadRosterDir, shippedAgentsDir } from '../src/roster/load-roster.ts'
import type { Roster } from '../src/roster/roster.ts'

let roster: Roster

beforeAll(async () => {
  const result = await loadRosterDir(shippedAgentsDir)
  if (!result.roster) throw new Error(`the shipped roster does not load: ${JSON.stringify(result.problems)}`)
  roster = result.roster
})

type Row = {
  name: string
  state?: RoutingInput['state']
  labels: string[]
  add: string[]
  remove: string[]
  owner: string | undefined
  status: Status | undefined
  /** Labels the repair note must name, or undefined when no note is expected. */
  note: string[] | undefined
}

describe('routeItem', () => {
  it.each<Row>([
    {
      name: 'a goal goes to the CEO as todo',
      labels: ['gaffer:goal'],
      add: ['agent:ceo', 'status:todo'],
      remove: [],
      owner: 'ceo',
      status: 'todo',
      note: undefined,
    },
    {
      name: 'a handled area label routes to its agent as todo',
      labels: ['area:backend'],
      add: ['agent:backend-engineer', 'status:todo'],
      remove: [],
      owner: 'backend-engineer',
      status: 'todo',
      note: undefined,
    },
    {
      name: 'an owned item without a status becomes todo',
      labels: ['agent:frontend-engineer'],
      add: ['status:todo'],
      remove: [],
      owner: 'frontend-engineer',
      status: 'todo',
      note: undefined,
    },
    {
      name: 'an owned item with a status is left alone',
      labels: ['agent:frontend-engineer', 'status:blocked'],
      add: [],
      remove: [],
      owner: 'frontend-engineer',
      status: 'blocked',
      note: undefined,
    },
    {
      name: 'an item with no routing labels is left alone',
      labels: ['bug'],
      add: [],
      remove: [],
      owner: undefined,
      status: undefined,
      note: undefined,
    },
    {
      name: 'two statuses collapse to the most advanced',
      labels: ['status:todo', 'status:review'],
      add: [],
      remove: ['status:todo'],
      owner: undefined,
      status: 'review',
      note: ['status:todo', 'status:review'],
    },
    {
      name: 'three statuses keep done',
      labels: ['status:in-progress', 'status:done', 'status:blocked'],
      add: [],
      remove: ['status:in-progress', 'status:blocked'],
      owner: undefined,
      status: 'done',
      note: ['status:done', 'status:in-progress', 'status:blocked'],
    },
    {
      name: 'an unknown agent gets no status',
      labels: ['agent:nobody'],
      add: [],
      remove: [],
      owner: 'nobody',
      status: undefined,
      note: undefined,
    },
    {
      name: 'a closed item is not routed',
      state: 'closed',
      labels: ['area:backend'],
      add: [],
      remove: [],
      owner: undefined,
      status: undefined,
      note: undefined,
    },
    {
      name: 'a goal beats an area label',
      labels: ['area:backend', 'gaffer:goal'],
      add: ['agent:ceo', 'status:todo'],
      remove: [],
      owner: 'ceo',
      status: 'todo',
      note: undefined,
    },
    {
      name: 'an existing owner beats a goal label',
      labels: ['gaffer:goal', 'agent:vp-product', 'status:in-progress'],
      add: [],
      remove: [],
      owner: 'vp-product',
      status: 'in-progress',
      note: undefined,
    },
  ])('$name', ({ state = 'open', labels, add, remove, owner, status, note }) => {
    const routing = routeItem({ state, labels }, roster)

    expect(routing.add).toEqual(add)
    expect(routing.remove).toEqual(remove)
    expect(routing.owner).toBe(owner)
    expect(routing.status).toBe(status)
    if (note === undefined) {
      expect(routing.repairNote).toBeUndefined()
    } else {
      for (const label of note) expect(routing.repairNote).toContain(`\`${label}\``)
    }
  })

  it.each([
    ['an agent label nobody in the roster has', 'open', ['agent:nobody'], 'nobody'],
    ['the same with a status', 'open', ['agent:nobody', 'status:todo'], 'nobody'],
    ['a closed item', 'closed', ['agent:nobody'], undefined],
    ['a known agent', 'open', ['agent:ceo'], undefined],
    ['no agent label', 'open', ['bug'], undefined],
  ] as const)('names the unknown owner of %s and changes no label', (_, state, labels, unknownOwner) => {
    const routing = routeItem({ state, labels }, roster)

    expect(routing.unknownOwner).toBe(unknownOwner)
    if (unknownOwner) expect(routing).toMatchObject({ add: [], remove: [] })
  })

  it('explains what it did, or that there was nothing to change', () => {
    expect(routeItem({ state: 'open', labels: ['area:backend'] }, roster).reason).toContain('backend-engineer')
    expect(routeItem({ state: 'open', labels: ['bug'] }, roster).reason).toBe('nothing to change')
  })
})

describe('labels', () => {
  it('statusesIn keeps known status labels in label order and ignores the rest', () => {
    expect(statusesIn(['status:review', 'bug', 'status:wip', 'agent:ceo', 'status:todo'])).toEqual(['review', 'todo'])
  })

  it.each<{ found: Status[]; expected: Status | undefined }>([
    { found: [], expected: undefined },
    { found: ['todo'], expected: 'todo' },
    { found: ['todo', 'review', 'blocked'], expected: 'review' },
    { found: ['done', 'in-progress'], expected: 'done' },
    { found: ['waiting', 'needs-approval'], expected: 'needs-approval' },
  ])('mostAdvanced($found) is $expected', ({ found, expected }) => {
    expect(mostAdvanced(found)).toBe(expected)
  })

  it('mostAdvanced does not reorder its argument', () => {
    const found: Status[] = ['todo', 'done']

    mostAdvanced(found)

    expect(found).toEqual(['todo', 'done'])
  })

  it('ownerIn is the slug of the first agent label', () => {
    expect(ownerIn(['bug', 'agent:reviewer', 'agent:ceo'])).toBe('reviewer')
    expect(ownerIn(['bug', 'status:todo'])).toBeUndefined()
  })

  it.each([
    { labels: ['priority:p2'], expected: 2 },
    { labels: ['priority:p3', 'priority:p0'], expected: 0 },
    { labels: ['priority:high', 'bug'], expected: undefined },
    { labels: [], expected: undefined },
  ])('priorityIn($labels) is $expected, the most urgent when several', ({ labels, expected }) => {
    expect(priorityIn(labels)).toBe(expected)
  })
})
