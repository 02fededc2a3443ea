import { describe, expect, it } from 'vitest'
import { assignTasks, openTasks } from '../src/company/task-list.ts'
import type { Agent } from '../src/roster/schema.ts'

function agent(slug: string, handles: string[] = []): Agent {
  return {
    slug,
    name: slug,
    role: 'specialist',
    reportsTo: 'vp',
    heartbeat: '*/30 * * * *',
    handles,
    tools: [],
    maxConcurrent: 1,
    maxTurns: 8,
    escalationTimeout: 2,
    runtime: 'chat',
    budget: {},
    instructions: '',
    file: `agents/${slug}/AGENTS.md`,
  }
}

describe('openTasks', () => {
  it.each([
    ['a dash item', '- [ ] write the docs', ['write the docs']],
    ['a star item', '* [ ] write the docs', ['write the docs']],
    ['an indented item', '   - [ ] nested task', ['nested task']],
    ['a tab-indented item', '\t* [ ] tabbed task', ['tabbed task']],
    ['a checked item', '- [x] already done', []],
    ['a checked item with capital X', '- [X] already done', []],
    ['an empty item', '- [ ] ', []],
    ['a plain bullet', '- not a task', []],
    ['a task mentioned mid-line', 'see - [ ] this', []],
    ['trailing whitespace', '- [ ] trim me   ', ['trim me']],
  ])('reads %s', (_, body, expected) => {
    const tasks = openTasks(body)

    expect(tasks).toEqual(expected)
  })

  it('returns the open tasks of a goal in order, skipping the rest', () => {
    const body = [
      'Goal: ship v1',
      '',
      '- [ ] design the API',
      '- [x] pick a name',
      '* [ ] build the backend',
      '  - [ ] write the tests',
      'Some closing words.',
    ].join('\n')

    const tasks = openTasks(body)

    expect(tasks).toEqual(['design the API', 'build the backend', 'write the tests'])
  })

  it.each([
    ['nothing but spaces', '- [ ]    ', []],
    ['a checked item', '- [ ]\n- [x] done', []],
    ['a plain line', '- [ ] \nSome closing words.', []],
    ['another open item', '- [ ]\n\n- [ ] real task', ['real task']],
  ])('ignores an empty task followed by %s', (_, body, expected) => {
    const tasks = openTasks(body)

    expect(tasks).toEqual(expected)
  })

  it('handles Windows line endings', () => {
    const tasks = openTasks('- [ ] one\r\n- [ ] two\r\n')

    expect(tasks).toEqual(['one', 'two'])
  })
})

describe('assignTasks', () => {
  const backend = agent('backend-engineer', ['area:backend'])
  const frontend = agent('frontend-engineer', ['area:frontend', 'ui'])
  const writer = agent('tech-writer')

  it.each([
    ['a handles label', 'Fix the area:backend timeout', 'backend-engineer'],
    ['a handles label in other case', 'Polish the UI colours', 'frontend-engineer'],
    ['the second handles label', 'area:frontend: new page', 'frontend-engineer'],
  ])('gives a task naming %s to that report', (_, task, expected) => {
    const assignments = assignTasks([task], [writer, backend, frontend])

    expect(assignments).toEqual([{ task, assignee: expected }])
  })

  it('deals tasks naming no label round-robin over the reports in order', () => {
    const tasks = ['one', 'two', 'three', 'four', 'five']

    const assignments = assignTasks(tasks, [writer, backend, frontend])

    expect(assignments.map((a) => a.assignee)).toEqual(['tech-writer', 'backend-engineer', 'frontend-engineer', 'tech-writer', 'backend-engineer'])
    expect(assignments.map((a) => a.task)).toEqual(tasks)
  })

  it('mixes label matches with round-robin for the rest', () => {
    const tasks = ['area:backend API', 'write docs', 'review docs']

    const assignments = assignTasks(tasks, [writer, backend])

    expect(assignments).toEqual([
      { task: 'area:backend API', assignee: 'backend-engineer' },
      { task: 'write docs', assignee: 'tech-writer' },
      { task: 'review docs', assignee: 'backend-engineer' },
    ])
  })

  it('assigns nothing when there are no reports', () => {
    const assignments = assignTasks(['one', 'area:backend two'], [])

    expect(assignments).toEqual([])
  })

  it('assigns nothing when there are no tasks', () => {
    const assignments = assignTasks([], [writer, backend])

    expect(assignments).toEqual([])
  })
})
