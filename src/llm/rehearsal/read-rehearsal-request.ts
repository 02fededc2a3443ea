import { REHEARSAL_NOTE } from './rehearsal-model.ts'

/**
 * What the rehearsal model reads from a Chat Completions request: who it plays (the
 * system prompt of src/runtime/prompt.ts names the agent, its role and its reports),
 * the item (the fenced item message), which tools it is offered, and what it already
 * did in this session (its earlier tool calls and their results). Plain data in, plain
 * data out, so each rule is tested without a server.
 */

export type ChatMessage = {
  role: string
  content?: string | null | ReadonlyArray<{ type: string; text?: string }>
  tool_calls?: ReadonlyArray<{ id: string; function: { name: string; arguments: string } }>
  tool_call_id?: string
}

export type RehearsalAgent = { name: string; slug: string; role: string }
export type RehearsalReport = { slug: string; name: string; role: string; handles: string[] }
export type RehearsalComment = { author: string; byGaffer: boolean; body: string }
/** A child of the item, with its outcome as the item message states it (`closed`, `done`, `review`, `open`…). */
export type RehearsalChild = { number: number; title: string; owner: string | null; outcome: string }

export type RehearsalItem = {
  number: number
  kind: 'issue' | 'pull'
  title: string
  labels: string[]
  status: string | null
  body: string
  comments: RehearsalComment[]
  children: RehearsalChild[]
}

/** One tool call of an earlier turn of this session, with what the runtime answered. */
export type PastCall = { name: string; arguments: Record<string, unknown>; result: string }

export type RehearsalRequest = {
  agent: RehearsalAgent | undefined
  reports: RehearsalReport[]
  /** The names of the tools offered in this request. */
  tools: string[]
  item: RehearsalItem | undefined
  /** Set when the manager is asked to handle a report's blocked item (the escalation step). */
  blocked: { number: number; reason: string } | undefined
  /** The session's earlier turns, oldest first: each assistant turn's tool calls. */
  turns: PastCall[][]
}

const REPORTS_HEADING = 'Your direct reports, the only agents you may delegate to:\n'
const COMMENTS_HEADING = 'Comments (oldest first):\n'
const CHILDREN_HEADING = 'Results of the items delegated from this one:\n'

export function readRehearsalRequest(request: { messages: readonly ChatMessage[]; tools?: readonly object[] }): RehearsalRequest {
  const system = contentOf(request.messages.find((m) => m.role === 'system'))
  const user = contentOf(request.messages.find((m) => m.role === 'user'))
  const { blocked, itemFrom } = readBlocked(user)
  return {
    agent: readAgent(system),
    reports: readReports(system),
    tools: (request.tools ?? []).flatMap((tool) => {
      const name = 'function' in tool ? (tool.function as { name?: unknown } | undefined)?.name : undefined
      return typeof name === 'string' ? [name] : []
    }),
    item: readItemMessage(user, itemFrom),
    blocked,
    turns: readTurns(request.messages),
  }
}

function contentOf(message: ChatMessage | undefined): string {
  const content = message?.content
  if (typeof content === 'string') return content
  return (content ?? []).map((part) => part.text ?? '').join('')
}

function readAgent(system: string): RehearsalAgent | undefined {
  const match = /^You are (.+?) \(([a-z0-9-]+), role ([a-z]+)\)/m.exec(system)
  return match ? { name: match[1]!, slug: match[2]!, role: match[3]! } : undefined
}

function readReports(system: string): RehearsalReport[] {
  const start = system.indexOf(REPORTS_HEADING)
  if (start < 0) return []
  const section = system.slice(start + REPORTS_HEADING.length).split('\n\n')[0] ?? ''
  return [...section.matchAll(/^- ([a-z0-9-]+): (.+) \(([a-z]+)\)(?:, handles (.+))?$/gm)].map((m) => ({
    slug: m[1]!,
    name: m[2]!,
    role: m[3]!,
    handles: m[4] ? m[4].split(', ').filter(Boolean) : [],
  }))
}

/** The text inside the fence that opens at `from` (a line of backticks and a label), and where the fence ends. */
function fencedAt(text: string, from: number): { text: string; end: number } | undefined {
  const open = /^(`{3,})[a-z]*\n/.exec(text.slice(from))
  if (!open) return undefined
  const ticks = open[1]!
  const start = from + open[0].length
  const rest = text.slice(start)
  // The closing fence is a line of exactly these backticks: fence() makes it longer than any run inside.
  const closing = new RegExp(`(^|\\n)${ticks}(?=\\n|$)`).exec(rest)
  if (!closing) return undefined
  return { text: rest.slice(0, closing.index), end: start + closing.index + closing[0].length }
}

/**
 * The item message of src/runtime/prompt.ts, read in its order: the header where it
 * starts (`from`: after the escalation preface, if any), then the body's fence, the
 * comments and the children's results, each section searched for only after the one
 * before it, so quoted text can never pass for a later section.
 */
function readItemMessage(user: string, from: number): RehearsalItem | undefined {
  const head = /^\s*Work item #(\d+) \((issue|pull request)\) in \S+\n/.exec(user.slice(from))
  if (!head) return undefined
  const at = from + head[0].length
  const line = (name: string) => new RegExp(`^${name}: (.*)$`, 'm').exec(user.slice(at))?.[1] ?? ''
  const labels = line('Labels')
  const status = /^([a-z-]+);/.exec(line('Status'))?.[1]
  const bodyAt = user.indexOf('Body:\n', at)
  const body = bodyAt < 0 ? undefined : fencedAt(user, bodyAt + 'Body:\n'.length)
  const bodyText = body?.text ?? ''
  const comments = readComments(user, body?.end ?? at)
  return {
    number: Number(head[1]),
    kind: head[2] === 'pull request' ? 'pull' : 'issue',
    title: line('Title'),
    labels: labels === 'none' ? [] : labels.split(', ').filter(Boolean),
    status: status === undefined || status === 'none' ? null : status,
    body: ownText(bodyText === '(empty)' ? '' : bodyText),
    comments: comments.comments,
    children: readChildren(user, comments.end),
  }
}

/** The item's own text: without the "Part of #N" line Gaffer puts first on a child, and without the rehearsal model's note. */
function ownText(body: string): string {
  return body
    .replace(/^Part of #\d+[ \t]*\n?/, '')
    .split('\n')
    .filter((line) => line.trim() !== REHEARSAL_NOTE)
    .join('\n')
    .trim()
}

function readComments(user: string, from: number): { comments: RehearsalComment[]; end: number } {
  const start = user.indexOf(COMMENTS_HEADING, from)
  if (start < 0) return { comments: [], end: from }
  const comments: RehearsalComment[] = []
  let at = start + COMMENTS_HEADING.length
  for (;;) {
    const header = /^\n?(Gaffer|@(\S*)) wrote:\n/.exec(user.slice(at))
    const fenced = header ? fencedAt(user, at + header[0].length) : undefined
    if (!header || !fenced) break
    comments.push({ author: header[2] ?? 'Gaffer', byGaffer: header[1] === 'Gaffer', body: fenced.text })
    at = fenced.end
  }
  return { comments, end: at }
}

/** Each child's line, skipping the fenced report under it, so a report cannot read as another child. */
function readChildren(user: string, from: number): RehearsalChild[] {
  const start = user.indexOf(CHILDREN_HEADING, from)
  if (start < 0) return []
  const children: RehearsalChild[] = []
  let at = start + CHILDREN_HEADING.length
  for (;;) {
    const child = /^\n?#(\d+) "(.*)" \(([^()\n]*)\): (\S+)\n/.exec(user.slice(at))
    if (!child) break
    children.push({ number: Number(child[1]), title: child[2]!, owner: child[3] === 'unowned' ? null : child[3]!, outcome: child[4]! })
    at += child[0].length - 1
    const report = /^\n`{3,}/.test(user.slice(at)) ? fencedAt(user, at + 1) : undefined
    if (report) at = report.end
  }
  return children
}

/** The escalation step's preface (src/runtime/escalations.ts), and where the item message after it starts. */
function readBlocked(user: string): { blocked: RehearsalRequest['blocked']; itemFrom: number } {
  const match = /^Your direct report's item #(\d+) is blocked\. The reason given, quoted:\n/.exec(user)
  const reason = match ? fencedAt(user, match[0].length) : undefined
  if (!match || !reason) return { blocked: undefined, itemFrom: 0 }
  const handle = user.indexOf('\n\n', reason.end)
  return { blocked: { number: Number(match[1]), reason: reason.text }, itemFrom: handle < 0 ? user.length : handle }
}

function readTurns(messages: readonly ChatMessage[]): PastCall[][] {
  const results = new Map(messages.filter((m) => m.role === 'tool' && m.tool_call_id).map((m) => [m.tool_call_id!, contentOf(m)]))
  return messages
    .filter((m) => m.role === 'assistant' && (m.tool_calls?.length ?? 0) > 0)
    .map((m) =>
      m.tool_calls!.map((call) => ({
        name: call.function.name,
        arguments: parseArguments(call.function.arguments),
        result: results.get(call.id) ?? '',
      })),
    )
}

function parseArguments(text: string): Record<string, unknown> {
  try {
    const parsed = JSON.parse(text || '{}') as unknown
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {}
  } catch {
    return {}
  }
}
