import { describe, expect, it } from 'vitest'
import type { Agent } from '../src/roster/schema.ts'
import { toolNames, type ToolName } from '../src/roster/tools.ts'
import { allTools, offeredTools } from '../src/runtime/tools/index.ts'

function agent(tools: string[]): Agent {
  return {
    slug: 'vp-engineering',
    name: 'VP of Engineering',
    role: 'vp',
    reportsTo: 'ceo',
    heartbeat: '*/30 * * * *',
    handles: [],
    tools,
    maxConcurrent: 1,
    maxTurns: 8,
    escalationTimeout: 2,
    runtime: 'chat',
    budget: {},
    instructions: 'Run engineering.',
    file: 'agents/vp-engineering/AGENTS.md',
  }
}

function tool(name: ToolName) {
  const found = allTools.find((t) => t.name === name)
  if (!found) throw new Error(`no tool ${name}`)
  return found
}

type JsonSchema = { type?: unknown; additionalProperties?: unknown; required?: string[]; properties?: Record<string, unknown> }

/** The JSON Schema offered to the model for a tool. */
function offeredSchema(name: ToolName): JsonSchema {
  const [definition] = offeredTools(agent([name])).definitions
  if (definition?.type !== 'function') throw new Error(`${name} is not offered as a function`)
  return definition.function.parameters as JsonSchema
}

describe('offeredTools', () => {
  it('has one tool for every tool name an agent may hold', () => {
    const names = allTools.map((t) => t.name)

    expect([...names].sort()).toEqual([...toolNames].sort())
  })

  it('offers exactly the tools the agent holds', () => {
    const held: ToolName[] = ['comment', 'delegate', 'read_file']

    const { tools, definitions } = offeredTools(agent(held))

    expect([...tools.keys()].sort()).toEqual([...held].sort())
    expect(definitions.map((d) => (d.type === 'function' ? d.function.name : d.type)).sort()).toEqual([...held].sort())
  })

  it('offers nothing to an agent holding no tools', () => {
    const { tools, definitions } = offeredTools(agent([]))

    expect(tools.size).toBe(0)
    expect(definitions).toEqual([])
  })

  it('ignores a name that is not a tool', () => {
    const { tools } = offeredTools(agent(['comment', 'rm_rf']))

    expect([...tools.keys()]).toEqual(['comment'])
  })

  it.each(allTools.map((t) => [t.name, t] as const))('offers %s as a function with its name, description and parameters', (name, t) => {
    const { definitions } = offeredTools(agent([name]))

    expect(definitions).toEqual([
      {
        type: 'function',
        function: { name, description: t.description, parameters: expect.objectContaining({ type: 'object' }) },
      },
    ])
    expect(t.description.length).toBeGreaterThan(20)
  })
})

describe('tool parameter schemas', () => {
  it.each<[ToolName, string[]]>([
    ['comment', ['body']],
    ['delegate', ['title', 'body', 'assignee']],
    ['set_status', ['status']],
    ['request_approval', ['summary']],
    ['read_issue', ['number']],
    ['search_issues', ['query']],
    ['list_files', []],
    ['read_file', ['path']],
    ['propose_change', ['title', 'body', 'files']],
    ['review_pull_request', ['number', 'score', 'verdict', 'summary']],
    ['read_pull_request', ['number']],
    ['unblock', ['number', 'note']],
    ['escalate', ['number', 'reason']],
  ])('%s is a closed object requiring %j', (name, required) => {
    const schema = offeredSchema(name)

    expect(schema.type).toBe('object')
    expect(schema.additionalProperties).toBe(false)
    expect([...(schema.required ?? [])].sort()).toEqual([...required].sort())
    for (const key of required) expect(schema.properties).toHaveProperty(key)
  })

  it('closes the file objects inside propose_change too', () => {
    const schema = offeredSchema('propose_change')

    expect(schema.properties?.files).toMatchObject({
      type: 'array',
      maxItems: 20,
      items: { type: 'object', additionalProperties: false, required: ['path', 'content'] },
    })
  })

  const file = { path: 'src/index.ts', content: 'export {}\n' }
  const valid: Record<ToolName, Record<string, unknown>> = {
    comment: { body: 'Progress so far.' },
    delegate: { title: 'Build the API', body: 'Details.', assignee: 'backend-engineer' },
    set_status: { status: 'done' },
    request_approval: { summary: 'May I spend money?' },
    read_issue: { number: 1 },
    search_issues: { query: 'login bug' },
    list_files: {},
    read_file: { path: 'README.md' },
    propose_change: { title: 'Add index', body: 'Adds it.', files: [file] },
    review_pull_request: { number: 2, score: 80, verdict: 'approve', summary: 'Good.' },
    read_pull_request: { number: 2 },
    unblock: { number: 3, note: 'Use the staging key.' },
    escalate: { number: 3, reason: 'Needs a budget decision.' },
  }

  it.each(toolNames.map((name) => [name] as const))('%s accepts a valid call', (name) => {
    const result = tool(name).parameters.safeParse(valid[name])

    expect(result.success).toBe(true)
  })

  it.each(toolNames.map((name) => [name] as const))('%s rejects an unknown key', (name) => {
    const result = tool(name).parameters.safeParse({ ...valid[name], sudo: true })

    expect(result.success).toBe(false)
  })

  it.each<[string, ToolName, Record<string, unknown>]>([
    ['score 101', 'review_pull_request', { ...valid.review_pull_request, score: 101 }],
    ['score -1', 'review_pull_request', { ...valid.review_pull_request, score: -1 }],
    ['a fractional score', 'review_pull_request', { ...valid.review_pull_request, score: 80.5 }],
    ['verdict "lgtm"', 'review_pull_request', { ...valid.review_pull_request, verdict: 'lgtm' }],
    ['status "wip"', 'set_status', { status: 'wip' }],
    ['status "in_progress"', 'set_status', { status: 'in_progress' }],
    ['a missing assignee', 'delegate', { title: 'Build the API', body: 'Details.' }],
    ['an assignee that is not a slug', 'delegate', { ...valid.delegate, assignee: 'Backend Engineer' }],
    ['priority p9', 'delegate', { ...valid.delegate, priority: 'p9' }],
    ['issue number 0', 'read_issue', { number: 0 }],
    ['a path with ..', 'propose_change', { ...valid.propose_change, files: [{ path: 'src/../../etc/passwd', content: 'x' }] }],
    ['a path starting with ..', 'propose_change', { ...valid.propose_change, files: [{ path: '../outside.txt', content: 'x' }] }],
    ['a path under .github/', 'propose_change', { ...valid.propose_change, files: [{ path: '.github/workflows/ci.yml', content: 'x' }] }],
    ['a path under .git/', 'propose_change', { ...valid.propose_change, files: [{ path: '.git/config', content: 'x' }] }],
    ['an absolute path', 'propose_change', { ...valid.propose_change, files: [{ path: '/etc/passwd', content: 'x' }] }],
    ['no files', 'propose_change', { ...valid.propose_change, files: [] }],
    ['21 files', 'propose_change', { ...valid.propose_change, files: Array.from({ length: 21 }, (_, i) => ({ path: `f${i}.txt`, content: 'x' })) }],
    ['a file with an unknown key', 'propose_change', { ...valid.propose_change, files: [{ ...file, mode: '100755' }] }],
    ['read_file with ..', 'read_file', { path: 'a/../../secret' }],
  ])('rejects %s', (_, name, args) => {
    const result = tool(name).parameters.safeParse(args)

    expect(result.success).toBe(false)
  })

  it.each<[string, ToolName, Record<string, unknown>]>([
    ['score 0', 'review_pull_request', { ...valid.review_pull_request, score: 0 }],
    ['score 100', 'review_pull_request', { ...valid.review_pull_request, score: 100 }],
    ['status blocked with a reason', 'set_status', { status: 'blocked', reason: 'Need a key.' }],
    [
      'exactly 20 files',
      'propose_change',
      { ...valid.propose_change, files: Array.from({ length: 20 }, (_, i) => ({ path: `f${i}.txt`, content: 'x' })) },
    ],
    ['a dotted file name that is not ..', 'propose_change', { ...valid.propose_change, files: [{ path: 'docs/..notes.md', content: 'x' }] }],
    ['a .github-like folder name', 'propose_change', { ...valid.propose_change, files: [{ path: 'docs/.github/readme.md', content: 'x' }] }],
  ])('accepts %s', (_, name, args) => {
    const result = tool(name).parameters.safeParse(args)

    expect(result.success).toBe(true)
  })
})
