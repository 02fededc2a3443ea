import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions'
import { TRANSCRIPT_LIMIT } from './cli/transcript.ts'

/** One message of a chat run as the dashboard shows it. */
export type TranscriptEntry = {
  role: 'system' | 'user' | 'assistant' | 'tool'
  content: string
  /** The tools an assistant message called, with their arguments as the model wrote them. */
  toolCalls?: Array<{ id: string; name: string; arguments: string }>
  /** The call a tool message answers. */
  toolCallId?: string
  /** What the model turn that wrote an assistant message used and cost. */
  tokens?: { prompt: number; completion: number }
  costUsd?: number
}

/** A single message longer than this keeps its start and says how much was cut. */
export const ENTRY_LIMIT = 64_000

type TurnUsage = { prompt: number; completion: number; costUsd: number }

/** A message of the model loop as a transcript entry; `usage` is the turn's, for the model's own messages. */
export function transcriptEntry(message: ChatCompletionMessageParam, usage?: TurnUsage): TranscriptEntry {
  const entry: TranscriptEntry = { role: roleOf(message.role), content: cut(messageText(message.content)) }
  if (message.role === 'assistant' && message.tool_calls && message.tool_calls.length > 0) {
    entry.toolCalls = message.tool_calls.map((call) =>
      call.type === 'function'
        ? { id: call.id, name: call.function.name, arguments: cut(call.function.arguments) }
        : { id: call.id, name: call.type, arguments: '' },
    )
  }
  if (message.role === 'tool') entry.toolCallId = message.tool_call_id
  if (usage) {
    entry.tokens = { prompt: usage.prompt, completion: usage.completion }
    entry.costUsd = usage.costUsd
  }
  return entry
}

/**
 * Keeps a transcript within `limit` bytes of JSON, like a CLI run's last megabyte: the
 * oldest entries go first (the newest show what the run ended with), and `dropped` says
 * how many went.
 */
export function boundTranscript(entries: readonly TranscriptEntry[], limit = TRANSCRIPT_LIMIT): { entries: TranscriptEntry[]; dropped: number } {
  const sizes = entries.map((entry) => Buffer.byteLength(JSON.stringify(entry)) + 1)
  let total = sizes.reduce((sum, size) => sum + size, 2)
  let first = 0
  while (total > limit && first < entries.length) {
    total -= sizes[first]!
    first += 1
  }
  return { entries: entries.slice(first), dropped: first }
}

function roleOf(role: ChatCompletionMessageParam['role']): TranscriptEntry['role'] {
  if (role === 'assistant' || role === 'tool' || role === 'user') return role
  return 'system'
}

function messageText(content: unknown): string {
  if (typeof content === 'string') return content
  if (Array.isArray(content))
    return content.map((part: { type?: string; text?: string }) => (part.type === 'text' ? (part.text ?? '') : `[${part.type ?? 'part'}]`)).join('')
  return ''
}

function cut(text: string): string {
  return text.length <= ENTRY_LIMIT ? text : `${text.slice(0, ENTRY_LIMIT)}\n[${text.length - ENTRY_LIMIT} more characters cut]`
}
