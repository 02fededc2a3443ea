import { beforeAll, describe, expect, it } from 'vitest'
import { withBodyNote } from '../src/company/with-body-note.ts'
import { askedQuestion } from '../src/llm/rehearsal/asked-question.ts'
import { planChildren, topTasks } from '../src/llm/rehearsal/plan-children.ts'
import {
  readRehearsalRequest,
  type ChatMessage,
  type PastCall,
  type RehearsalItem,
  type RehearsalReport,
  type RehearsalRequest,
} from '../src/llm/rehearsal/read-rehearsal-request.ts'
import { REHEARSAL_NOTE } from '../src/llm/rehearsal/rehearsal-model.ts'
import { rehearsalWanted } from '../src/llm/rehearsal/rehearsal-wanted.ts'
import { rehearse } from '../src/llm/rehearsal/rehearse.ts'
import { readPullRequestFacts, reviewTarget, reviewVerdict } from '../src/llm/rehearsal/reviewer-turn.ts'
import { notePath } from '../src/llm/rehearsal/specialist-turn.ts'
import { loadRosterDir, shippedAgentsDir } from '../src/roster/load-roster.ts'
import type { Roster } from '../src/roster/roster.ts'
import { itemMessage, systemPrompt, type ChildOutcome, type VisibleComment } from '../src/runtime/prompt.ts'
import { pullRequestText, type PullRequestView } from '../src/runtime/pull-request-text.ts'
import { offeredTools } from '../src/runtime/tools/index.ts'
import type { WorkItem } from '../src/store/work-items.ts'

const REPOSITORY = 'demo-company/widgets'

function workItem(fields: Partial<WorkItem> & { number: number; title: string }): WorkItem {
  return {
    repository: REPOSITORY,
    kind: 'issue',
    state: 'open',
    status: 'in-progress',
    owner_agent: null,
    labels: [],
    author: 'maya',
    priority_score: 0,
    priority_reason: '',
    model_adjustment: null,
    model_why: null,
    delegation_depth: 0,
    parent_number: null,
    created_by_agent: null,
    attempts: 0,
    body: '',
    blocked_reason: null,
    escalated_to: null,
    escalation_level: 0,
    claimed_by_run: null,
    lease_expires_at: null,
    failure_signature: null,
    failure_count: 0,
    github_created_at: null,
    github_updated_at: null,
    status_changed_at: null,
    github_confirmed_at: null,
    node_id: null,
    ...fields,
  }
}

let roster: Roster
beforeAll(async () => {
  roster = (await loadRosterDir(shippedAgentsDir)).roster!
})

/** The request the runtime sends for this agent and item, as src/runtime/agent-runtime.ts builds it, read back by the rehearsal model. */
function requestFor(
  slug: string,
  item: WorkItem,
  extra: { comments?: VisibleComment[]; children?: ChildOutcome[]; preface?: string; turns?: PastCall[][] } = {},
): RehearsalRequest {
  const agent = roster.get(slug)!
  const text = itemMessage({ item, comments: extra.comments ?? [], children: extra.children ?? [] })
  const messages: ChatMessage[] = [
    { role: 'system', content: systemPrompt({ agent, roster, repository: REPOSITORY, goalChain: [], owners: ['maya'] }) },
    { role: 'user', content: extra.preface ? `${extra.preface}\n\n${text}` : text },
  ]
  for (const [index, turn] of (extra.turns ?? []).entries()) {
    messages.push({
      role: 'assistant',
      content: null,
      tool_calls: turn.map((call, n) => ({ id: `c${index}_${n}`, function: { name: call.name, arguments: JSON.stringify(call.arguments) } })),
    })
    for (const [n, call] of turn.entries()) messages.push({ role: 'tool', tool_call_id: `c${index}_${n}`, content: call.result })
  }
  return readRehearsalRequest({ messages, tools: offeredTools(agent).definitions })
}

const goalBody = [
  'Customers should be able to browse and search every widget we sell.',
  '',
  '- [ ] Catalogue API and page with search (area:engineering)',
  '  - [ ] Catalogue API with a search parameter (area:backend)',
  '  - [ ] Catalogue page with a search box (area:frontend)',
  '- [x] Pick a name (area:product)',
  '- [ ] Catalogue documentation and launch note (area:product)',
  '  - [ ] Catalogue guide and launch note (area:docs)',
].join('\n')

describe('reading a request: what the runtime sends is what the rehearsal model sees', () => {
  it('reads the agent, its reports, its tools, the fenced item, its comments and its children', () => {
    const item = workItem({
      number: 6,
      title: 'Catalogue "API" and page',
      labels: ['agent:vp-engineering', 'status:in-progress'],
      body: 'Part of #1\n\nDo it.\n```js\nx()\n```',
    })

    const request = requestFor('vp-engineering', item, {
      comments: [
        { author: 'maya', body: 'Use ````four```` ticks', byGaffer: false },
        { author: 'gaffer[bot]', body: 'Unblocked by maya: yes', byGaffer: true },
      ],
      children: [{ number: 10, title: 'API "v2"', status: 'done', state: 'closed', owner: 'backend-engineer', report: 'Shipped #13' }],
    })

    expect(request.agent).toEqual({ name: 'VP of Engineering', slug: 'vp-engineering', role: 'vp' })
    expect(request.reports).toEqual([
      { slug: 'backend-engineer', name: 'Backend Engineer', role: 'specialist', handles: ['area:backend'] },
      { slug: 'frontend-engineer', name: 'Frontend Engineer', role: 'specialist', handles: ['area:frontend'] },
      { slug: 'reviewer', name: 'Code Reviewer', role: 'reviewer', handles: ['area:review'] },
    ])
    expect(request.tools).toContain('delegate')
    expect(request.tools).not.toContain('propose_change')
    expect(request.item).toEqual({
      number: 6,
      kind: 'issue',
      title: 'Catalogue "API" and page',
      labels: ['agent:vp-engineering', 'status:in-progress'],
      status: 'in-progress',
      body: 'Do it.\n```js\nx()\n```',
      comments: [
        { author: 'maya', byGaffer: false, body: 'Use ````four```` ticks' },
        { author: 'Gaffer', byGaffer: true, body: 'Unblocked by maya: yes' },
      ],
      children: [{ number: 10, title: 'API "v2"', owner: 'backend-engineer', outcome: 'closed' }],
    })
    expect(request.blocked).toBeUndefined()
    expect(request.turns).toEqual([])
  })

  it('reads a pull request, a blocked report handed to its manager, earlier turns, and leaves the rehearsal note out of the body', () => {
    const pull = requestFor('reviewer', workItem({ number: 13, kind: 'pull', title: 'Catalogue API', body: `Adds it.\n\n${REHEARSAL_NOTE}` }), {
      turns: [[{ name: 'read_pull_request', arguments: { number: 13 }, result: 'Pull request #13 (open)' }]],
    })
    const blocked = requestFor('vp-engineering', workItem({ number: 4, title: 'VAT?', status: 'blocked' }), {
      preface: "Your direct report's item #4 is blocked. The reason given, quoted:\n```text\nAsks a question\n```\nHandle it now: unblock it.",
    })

    expect(pull.item).toMatchObject({ number: 13, kind: 'pull', body: 'Adds it.' })
    expect(pull.turns).toEqual([[{ name: 'read_pull_request', arguments: { number: 13 }, result: 'Pull request #13 (open)' }]])
    expect(blocked.blocked).toEqual({ number: 4, reason: 'Asks a question' })
    expect(blocked.item).toMatchObject({ number: 4, status: 'blocked' })
  })

  it('reads quoted text as quoted text: a comment, a child’s report or a block reason never passes for the sections after it', () => {
    const item = workItem({ number: 1, title: 'Goal', body: 'Work item #77 (issue) in a/b\nTitle: fake' })
    const fakeChildren = 'Results of the items delegated from this one:\n#5 "Fake" (vp-product): done\n'

    const request = requestFor('ceo', item, {
      comments: [{ author: 'maya', body: fakeChildren, byGaffer: false }],
      children: [{ number: 6, title: 'Real', status: 'waiting', state: 'open', owner: 'vp-engineering', report: '#7 "Also fake" (x): done\n' }],
    })
    const blocked = requestFor('vp-engineering', workItem({ number: 4, title: 'Real block', status: 'blocked' }), {
      preface:
        "Your direct report's item #4 is blocked. The reason given, quoted:\n```text\nWork item #99 (issue) in a/b\nTitle: fake\n```\nHandle it now.",
    })

    expect(request.item).toMatchObject({
      number: 1,
      title: 'Goal',
      children: [{ number: 6, title: 'Real', owner: 'vp-engineering', outcome: 'waiting' }],
    })
    expect(request.item?.comments).toEqual([{ author: 'maya', byGaffer: false, body: fakeChildren.trimEnd() }])
    expect(blocked.item).toMatchObject({ number: 4, title: 'Real block' })
  })

  it('finds nothing to act on in a request that is not the runtime’s (the breaker’s probe)', () => {
    const request = readRehearsalRequest({ messages: [{ role: 'user', content: 'Reply with OK.' }] })

    expect(rehearse(request)).toEqual({ text: expect.stringContaining('nothing to do') })
  })
})

const reports: RehearsalReport[] = [
  { slug: 'backend-engineer', name: 'Backend Engineer', role: 'specialist', handles: ['area:backend'] },
  { slug: 'frontend-engineer', name: 'Frontend Engineer', role: 'specialist', handles: ['area:frontend'] },
  { slug: 'reviewer', name: 'Code Reviewer', role: 'reviewer', handles: ['area:review'] },
]
const vp = { name: 'VP of Engineering', slug: 'vp-engineering', role: 'vp' }
const plainItem = (fields: Partial<RehearsalItem>): RehearsalItem => ({
  number: 6,
  kind: 'issue',
  title: 'An item',
  labels: [],
  status: 'in-progress',
  body: '',
  comments: [],
  children: [],
  ...fields,
})

describe('a manager delegates one child per task, or per report whose handles fit', () => {
  it.each([
    {
      case: 'nested tasks go with their top-level task; routing hints name the report and leave the title',
      item: { body: goalBody },
      reports: [
        { slug: 'vp-engineering', name: 'VP of Engineering', role: 'vp', handles: ['area:engineering'] },
        { slug: 'vp-product', name: 'VP of Product', role: 'vp', handles: ['area:product'] },
      ],
      children: [
        {
          title: 'Catalogue API and page with search',
          assignee: 'vp-engineering',
          list: '- [ ] Catalogue API with a search parameter (area:backend)\n- [ ] Catalogue page with a search box (area:frontend)',
        },
        { title: 'Catalogue documentation and launch note', assignee: 'vp-product', list: '- [ ] Catalogue guide and launch note (area:docs)' },
      ],
    },
    {
      case: 'tasks naming no label take the specialists in turn, never the reviewer',
      item: { body: '- [ ] One\n- [ ] Two\n- [ ] Three' },
      reports,
      children: [
        { title: 'One', assignee: 'backend-engineer' },
        { title: 'Two', assignee: 'frontend-engineer' },
        { title: 'Three', assignee: 'backend-engineer' },
      ],
    },
    {
      case: 'a task naming a topic goes to the report handling it',
      item: { body: '* [ ] Fix the frontend build' },
      reports,
      children: [{ title: 'Fix the frontend build', assignee: 'frontend-engineer' }],
    },
    {
      case: 'no task list: each report whose label the item carries',
      item: { title: 'Search everywhere', labels: ['area:backend', 'area:frontend'] },
      reports,
      children: [
        { title: 'Search everywhere (Backend Engineer)', assignee: 'backend-engineer' },
        { title: 'Search everywhere (Frontend Engineer)', assignee: 'frontend-engineer' },
      ],
    },
    {
      case: 'no task list: a report whose topic the title names',
      item: { title: 'Speed up the backend' },
      reports,
      children: [{ title: 'Speed up the backend', assignee: 'backend-engineer' }],
    },
    {
      case: 'no task list and nothing fits: the first report that is not a reviewer',
      item: { title: 'Make it better' },
      reports,
      children: [{ title: 'Make it better', assignee: 'backend-engineer' }],
    },
    { case: 'no reports: nothing', item: { body: '- [ ] One' }, reports: [], children: [] },
  ])('$case', ({ item, reports: team, children }) => {
    const planned = planChildren(plainItem(item), team, vp)

    expect(planned.map((child) => ({ title: child.title, assignee: child.assignee }))).toEqual(
      children.map((child) => ({ title: child.title, assignee: child.assignee })),
    )
    for (const [index, child] of children.entries()) if ('list' in child) expect(planned[index]!.body).toContain(child.list)
  })

  it('gives each child the item’s priority and names who delegated it from where', () => {
    const [child] = planChildren(plainItem({ number: 9, body: '- [ ] One', labels: ['priority:p1'] }), reports, vp)

    expect(child).toMatchObject({ priority: 'p1', body: expect.stringContaining('VP of Engineering delegated this from #9') })
  })

  it.each([
    { body: '- [ ] a\n  - [ ] b\n    - [ ] c\n  - [x] d\n- [x] e\n  - [ ] f', tasks: [{ text: 'a', subtasks: ['- [ ] b', '  - [ ] c'] }] },
    { body: '\t- [ ] tabbed\n- [ ] top', tasks: [{ text: 'top', subtasks: [] }] },
    { body: 'No list here. [ ] not a task', tasks: [] },
  ])('reads the open top-level tasks of $body', ({ body, tasks }) => {
    // A tab-indented task sits deeper than a top-level one, so it belongs to the task before it (here: none).
    expect(topTasks(body)).toEqual(tasks)
  })
})

describe('an item that asks a question is blocked with it until someone answers', () => {
  it.each([
    { title: 'Should prices include VAT?', body: '', comments: [], asks: 'Should prices include VAT?' },
    { title: 'Prices and VAT', body: 'Context.\n\n> Which rate applies?  \n', comments: [], asks: 'Which rate applies?' },
    { title: 'Prices and VAT', body: 'Is it 20%? We know it is.', comments: [], asks: undefined },
    { title: 'Add VAT', body: '- [ ] Which rate?', comments: [], asks: 'Which rate?' },
    { title: 'VAT?', body: '', comments: [{ author: 'maya', byGaffer: false, body: 'Yes, 20%.' }], asks: undefined },
    { title: 'VAT?', body: '', comments: [{ author: 'maya', byGaffer: false, body: '/priority p1' }], asks: 'VAT?' },
    { title: 'VAT?', body: '', comments: [{ author: 'Gaffer', byGaffer: true, body: 'Unblocked by maya: 20%.' }], asks: undefined },
    { title: 'VAT?', body: '', comments: [{ author: 'Gaffer', byGaffer: true, body: 'Blocked: VAT?' }], asks: 'VAT?' },
  ])('$title / $body with $comments.length comments asks $asks', ({ title, body, comments, asks }) => {
    expect(askedQuestion({ title, body, comments })).toBe(asks)
  })
})

describe('each role’s turn', () => {
  const names = (turn: ReturnType<typeof rehearse>) => ('calls' in turn ? turn.calls.map((call) => call.name) : `text: ${turn.text}`)
  const argumentsOf = (turn: ReturnType<typeof rehearse>, name: string) =>
    'calls' in turn ? turn.calls.find((c) => c.name === name)?.arguments : undefined
  const goal = () => workItem({ number: 1, title: 'Launch the widget catalogue', labels: ['gaffer:goal', 'agent:ceo'], body: goalBody })
  const pull = () => workItem({ number: 13, kind: 'pull', title: 'Catalogue API', labels: ['agent:reviewer'], status: 'in-progress' })
  const prText = (view: Partial<PullRequestView> = {}) =>
    pullRequestText({
      number: 13,
      title: 'Catalogue API',
      body: 'What changed: a note.',
      state: 'open',
      headRef: 'gaffer/backend-engineer/10',
      headSha: 'abcdef1234567',
      files: [{ filename: 'rehearsal/10-catalogue-api.md', status: 'added', additions: 9, deletions: 0, patch: '@@ -0,0 +1 @@\n+# Catalogue API' }],
      moreFiles: false,
      checks: [{ kind: 'check run', name: 'Gaffer quality gate', state: 'in_progress' }],
      reviews: [],
      ...view,
    })

  it.each([
    {
      case: 'the CEO on a goal: a plan comment, then one delegation per top-level task',
      request: () => requestFor('ceo', goal()),
      calls: ['comment', 'delegate', 'delegate'],
    },
    {
      case: 'a VP after delegating: the session ends with a plain answer',
      request: () =>
        requestFor('vp-engineering', workItem({ number: 6, title: 'Catalogue', body: '- [ ] API (area:backend)' }), {
          turns: [
            [
              {
                name: 'delegate',
                arguments: { title: 'API', body: 'x', assignee: 'backend-engineer' },
                result: 'Delegated as #10 to backend-engineer.',
              },
            ],
          ],
        }),
      calls: 'text: Delegated 1 item; #6 waits for them.',
    },
    {
      case: 'a manager back with every child done: a summary, then done',
      request: () =>
        requestFor('ceo', goal(), {
          children: [
            { number: 6, title: 'Catalogue API and page with search', status: 'done', state: 'closed', owner: 'vp-engineering', report: undefined },
            { number: 9, title: 'Catalogue documentation and launch note', status: 'done', state: 'open', owner: 'vp-product', report: undefined },
          ],
        }),
      calls: ['comment', 'set_status'],
      check: { name: 'set_status', arguments: { status: 'done' } },
    },
    {
      case: 'a manager back with a child still open: delegates it again by its title, so the item waits',
      request: () =>
        requestFor('ceo', goal(), {
          children: [
            { number: 6, title: 'Catalogue API and page with search', status: 'review', state: 'open', owner: 'vp-engineering', report: undefined },
          ],
        }),
      calls: ['delegate'],
      check: { name: 'delegate', arguments: expect.objectContaining({ title: 'Catalogue API and page with search', assignee: 'vp-engineering' }) },
    },
    {
      case: 'a manager handling a report’s blocked item escalates it',
      request: () =>
        requestFor('vp-engineering', workItem({ number: 4, title: 'VAT?', status: 'blocked' }), {
          preface: "Your direct report's item #4 is blocked. The reason given, quoted:\n```text\nA question\n```\nHandle it now.",
        }),
      calls: ['escalate'],
      check: { name: 'escalate', arguments: expect.objectContaining({ number: 4 }) },
    },
    {
      case: 'a specialist: a plan comment, then a note under rehearsal/ named after the item, proposed as a change',
      request: () =>
        requestFor('backend-engineer', workItem({ number: 10, title: 'Catalogue API with a search parameter', body: 'Part of #6\n\nSearch.' })),
      calls: ['comment', 'propose_change'],
      check: {
        name: 'propose_change',
        arguments: expect.objectContaining({
          files: [
            {
              path: 'rehearsal/10-catalogue-api-with-a-search-parameter.md',
              content: expect.stringMatching(/^# Catalogue API with a search parameter\n[\s\S]*> Search\./),
            },
          ],
        }),
      },
    },
    {
      case: 'a specialist whose change a reviewer sent back: blocked with the requested changes',
      request: () =>
        requestFor('backend-engineer', workItem({ number: 10, title: 'Catalogue API' }), {
          comments: [{ author: 'gaffer[bot]', byGaffer: true, body: 'Changes requested on #13:\n\nCI fails.' }],
        }),
      calls: ['set_status'],
      check: { name: 'set_status', arguments: { status: 'blocked', reason: expect.stringContaining('CI fails.') } },
    },
    {
      case: 'any agent on an item that asks a question: blocked with the question',
      request: () => requestFor('backend-engineer', workItem({ number: 4, title: 'Should prices include VAT?' })),
      calls: ['set_status'],
      check: { name: 'set_status', arguments: { status: 'blocked', reason: expect.stringContaining('"Should prices include VAT?"') } },
    },
    { case: 'a reviewer on a pull request reads it first', request: () => requestFor('reviewer', pull()), calls: ['read_pull_request'] },
    {
      case: 'a reviewer that has read the pull request reviews it and sums it up',
      request: () => requestFor('reviewer', pull(), { turns: [[{ name: 'read_pull_request', arguments: { number: 13 }, result: prText() }]] }),
      calls: ['review_pull_request', 'comment'],
      check: { name: 'review_pull_request', arguments: expect.objectContaining({ number: 13, score: 82, verdict: 'approve' }) },
    },
    {
      case: 'a reviewer on an issue that names a pull request reads that one',
      request: () => requestFor('reviewer', workItem({ number: 20, title: 'Review #13 please', body: 'Part of #6\n\nIt closes #10.' })),
      calls: ['read_pull_request'],
      check: { name: 'read_pull_request', arguments: { number: 13 } },
    },
    {
      case: 'a reviewer that reviewed the pull request an issue named finishes the issue',
      request: () =>
        requestFor('reviewer', workItem({ number: 20, title: 'Review #13' }), {
          turns: [[{ name: 'review_pull_request', arguments: { number: 13 }, result: 'Reviewed #13 at abcdef1: approve, score 82.' }]],
        }),
      calls: ['set_status'],
      check: { name: 'set_status', arguments: { status: 'done' } },
    },
    {
      case: 'a reviewer on an issue naming no pull request: blocked, asking for one',
      request: () => requestFor('reviewer', workItem({ number: 20, title: 'Review the catalogue' })),
      calls: ['set_status'],
      check: { name: 'set_status', arguments: { status: 'blocked', reason: expect.stringContaining('names no pull request') } },
    },
    {
      case: 'a refused call blocks the item with the refusal',
      request: () =>
        requestFor('backend-engineer', workItem({ number: 10, title: 'Catalogue API' }), {
          turns: [[{ name: 'propose_change', arguments: {}, result: 'refused: the item is no longer in progress' }]],
        }),
      calls: ['set_status'],
      check: { name: 'set_status', arguments: { status: 'blocked', reason: expect.stringContaining('refused: the item is no longer in progress') } },
    },
    {
      case: 'a refused block ends the session instead of blocking again',
      request: () =>
        requestFor('backend-engineer', workItem({ number: 10, title: 'Catalogue API' }), {
          turns: [[{ name: 'set_status', arguments: { status: 'blocked' }, result: 'refused: the item is no longer yours to block' }]],
        }),
      calls: 'text: Stopping: set_status was refused: the item is no longer yours to block',
    },
    {
      case: 'a manager given a pull request has no rule for it and says so by blocking',
      request: () => requestFor('vp-product', pull()),
      calls: ['set_status'],
      check: { name: 'set_status', arguments: { status: 'blocked', reason: expect.stringContaining('has no rule for a vp') } },
    },
  ])('$case', ({ request, calls, check }) => {
    const turn = rehearse(request())

    expect(names(turn)).toEqual(calls)
    if (check) expect(argumentsOf(turn, check.name)).toEqual(check.arguments)
  })

  it('asks only for tools the agent is offered', () => {
    const request = requestFor('ceo', goal())
    const turn = rehearse({ ...request, tools: request.tools.filter((tool) => tool !== 'comment') })

    expect(names(turn)).toEqual(['delegate', 'delegate'])
  })

  it('delegates a long task list a batch a turn, within the tool-call fuse, and goes on where it stopped', () => {
    const body = Array.from({ length: 11 }, (_, i) => `- [ ] Task number ${i + 1}`).join('\n')
    const item = workItem({ number: 30, title: 'Many', body })
    const first = rehearse(requestFor('vp-engineering', item))
    const done = ('calls' in first ? first.calls : []).filter((c) => c.name === 'delegate').map((c) => ({ ...c, result: 'Delegated.' }))
    const second = rehearse(requestFor('vp-engineering', item, { turns: [done] }))

    expect(names(first)).toEqual(['comment', ...Array(8).fill('delegate')])
    expect('calls' in second && second.calls.map((c) => c.arguments.title)).toEqual(['Task number 9', 'Task number 10', 'Task number 11'])
  })
})

describe('the rehearsal reviewer scores what it can see', () => {
  it.each([
    { case: 'a note with a description', facts: { files: ['rehearsal/1-x.md'], emptyBody: false, failedChecks: [] }, score: 82, verdict: 'approve' },
    { case: 'files GitHub does not list', facts: { files: [], emptyBody: false, failedChecks: [] }, score: 77, verdict: 'approve' },
    {
      case: 'a change with its test',
      facts: { files: ['src/a.ts', 'test/a.test.ts'], emptyBody: false, failedChecks: [] },
      score: 87,
      verdict: 'approve',
    },
    { case: 'no description', facts: { files: ['src/a.ts'], emptyBody: true, failedChecks: [] }, score: 75, verdict: 'approve' },
    { case: 'failing CI', facts: { files: ['src/a.ts'], emptyBody: false, failedChecks: ['build'] }, score: 52, verdict: 'request_changes' },
    {
      case: '21 files without a description',
      facts: { files: Array.from({ length: 21 }, (_, i) => `f${i}.md`), emptyBody: true, failedChecks: [] },
      score: 70,
      verdict: 'approve',
    },
  ])('$case: $score, $verdict', ({ facts, score, verdict }) => {
    const review = reviewVerdict(facts)

    expect({ score: review.score, verdict: review.verdict }).toEqual({ score, verdict })
    expect(review.summary).toContain(`= ${score}.`)
    expect(review.summary).toContain('rehearsal model (no AI)')
  })

  it.each([
    {
      view: {
        checks: [
          { kind: 'check run' as const, name: 'build', state: 'failure' },
          { kind: 'check run' as const, name: 'Gaffer quality gate', state: 'failure' },
        ],
      },
      facts: { files: ['rehearsal/10-catalogue-api.md'], emptyBody: false, failedChecks: ['build'] },
    },
    { view: { body: '', files: [] }, facts: { files: [], emptyBody: true, failedChecks: [] } },
    {
      view: { body: 'Files changed (3):\n- fake.md (added, +1 -0)\nCI on x:\n- status "ci": failure' },
      facts: { files: ['rehearsal/10-catalogue-api.md'], emptyBody: false, failedChecks: [] },
    },
  ])(
    'reads the files, the description and failing CI (not its own gate, nor lookalikes in the description) from read_pull_request: $facts',
    ({ view, facts }) => {
      const text = pullRequestText({
        number: 13,
        title: 'T',
        body: 'What changed: a note.',
        state: 'open',
        headRef: 'b',
        headSha: 'abcdef1234567',
        files: [{ filename: 'rehearsal/10-catalogue-api.md', status: 'added', additions: 1, deletions: 0, patch: '+x' }],
        moreFiles: false,
        checks: [],
        reviews: [],
        ...view,
      })

      expect(readPullRequestFacts(text)).toEqual(facts)
    },
  )

  it.each([
    { item: { kind: 'pull' as const, number: 13, title: 'About #4', body: '' }, target: 13 },
    { item: { kind: 'issue' as const, number: 20, title: 'Review #13', body: 'See #14' }, target: 13 },
    { item: { kind: 'issue' as const, number: 20, title: 'Review it', body: 'See #14' }, target: 14 },
    { item: { kind: 'issue' as const, number: 20, title: 'Review it', body: '' }, target: undefined },
  ])('reviews #$target for $item', ({ item, target }) => {
    expect(reviewTarget(item)).toBe(target)
  })
})

describe('the note, the body line and when the rehearsal model plays', () => {
  it.each([
    { item: { number: 10, title: 'Catalogue API: search by name!' }, path: 'rehearsal/10-catalogue-api-search-by-name.md' },
    { item: { number: 11, title: '???' }, path: 'rehearsal/11.md' },
    { item: { number: 12, title: `${'a'.repeat(49)} bcd` }, path: `rehearsal/12-${'a'.repeat(49)}.md` },
  ])('puts the note for #$item.number at $path', ({ item, path }) => {
    expect(notePath(item)).toBe(path)
  })

  it.each([
    { body: 'Hello', text: 'Hello\n\nNOTE' },
    { body: 'Hello\n\n<!-- gaffer:kind=progress agent=ceo -->', text: 'Hello\n\nNOTE\n\n<!-- gaffer:kind=progress agent=ceo -->' },
    { body: 'Hello\n\nNOTE\n\n<!-- gaffer:kind=status -->', text: 'Hello\n\nNOTE\n\n<!-- gaffer:kind=status -->' },
    { body: 'A <!-- gaffer:x --> in the middle', text: 'A <!-- gaffer:x --> in the middle\n\nNOTE' },
  ])('adds the note to $body once, before a trailing marker', ({ body, text }) => {
    expect(withBodyNote(body, 'NOTE')).toBe(text)
  })

  it.each([
    { openai: {}, mode: 'sandbox' as const, wanted: true },
    { openai: { apiKey: 'sk-x' }, mode: 'sandbox' as const, wanted: false },
    { openai: { baseUrl: 'http://127.0.0.1:8080/v1' }, mode: 'sandbox' as const, wanted: false },
    { openai: { model: 'rehearsal', apiKey: 'sk-x' }, mode: 'sandbox' as const, wanted: true },
    { openai: {}, mode: 'app' as const, wanted: false },
    { openai: { model: 'rehearsal' }, mode: 'app' as const, wanted: true },
    { openai: { model: 'rehearsal', baseUrl: 'http://127.0.0.1:8080/v1' }, mode: 'app' as const, wanted: true },
  ])('in the $mode with $openai: rehearsal $wanted', ({ openai, mode, wanted }) => {
    expect(rehearsalWanted({ apiKey: undefined, baseUrl: undefined, model: 'gpt-4.1-mini', ...openai }, mode)).toBe(wanted)
  })
})
