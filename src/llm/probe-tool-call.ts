import { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai'
import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions'
import { messageWithCause } from '../message-with-cause.ts'
import { createModelClient } from './model-client.ts'

/** How one tool-call round trip with a model went (`gaffer doctor`). */
export type ToolCallProbe =
  /** The model called the tool and then answered the tool's result. */
  | { kind: 'round-trip' }
  /** The model answered in words instead of calling the tool. */
  | { kind: 'no-tool-call'; answer: string }
  /** The model called the tool with arguments that are not a JSON object. */
  | { kind: 'unusable-arguments'; arguments: string }
  /** The server failed: at the first request (`call`) or when given the tool's result (`result`). */
  | { kind: 'error'; step: 'call' | 'result'; failure: 'unreachable' | 'timeout' | 'status'; status: number | undefined; message: string }

const probeTool: ChatCompletionTool = {
  type: 'function',
  function: {
    name: 'report_word',
    description: 'Reports one word back to the caller.',
    parameters: { type: 'object', properties: { word: { type: 'string' } }, required: ['word'], additionalProperties: false },
  },
}

/**
 * Two requests through the real `openai` client, as an agent's turn makes them: one
 * offering a tool the model is told to call, then one carrying the tool's result.
 * No retries, so a failing server is reported at once.
 */
export async function probeToolCall(settings: {
  apiKey: string | undefined
  baseUrl: string | undefined
  model: string
  timeoutMs: number
}): Promise<ToolCallProbe> {
  const client = createModelClient({ apiKey: settings.apiKey, baseUrl: settings.baseUrl, timeoutMs: settings.timeoutMs, maxRetries: 0 })
  const signal = AbortSignal.timeout(settings.timeoutMs * 2)
  const messages: ChatCompletionMessageParam[] = [
    { role: 'system', content: 'This is a check that tool calls work. Answer only by calling the tool you are given.' },
    { role: 'user', content: 'Call report_word with the word "ready".' },
  ]
  let first
  try {
    first = await client.complete({ model: settings.model, messages, tools: [probeTool], signal })
  } catch (error) {
    return failed('call', error)
  }
  const call = first.message.tool_calls?.find((candidate) => candidate.type === 'function')
  if (!call) return { kind: 'no-tool-call', answer: first.message.content ?? '' }
  if (!isJsonObject(call.function.arguments)) return { kind: 'unusable-arguments', arguments: call.function.arguments }
  try {
    await client.complete({
      model: settings.model,
      messages: [...messages, first.message, { role: 'tool', tool_call_id: call.id, content: 'ready' }],
      tools: [probeTool],
      signal,
    })
  } catch (error) {
    return failed('result', error)
  }
  return { kind: 'round-trip' }
}

function failed(step: 'call' | 'result', error: unknown): ToolCallProbe {
  if (error instanceof APIConnectionTimeoutError)
    return { kind: 'error', step, failure: 'timeout', status: undefined, message: messageWithCause(error) }
  if (error instanceof APIConnectionError) return { kind: 'error', step, failure: 'unreachable', status: undefined, message: messageWithCause(error) }
  if (error instanceof APIError) {
    const body = error.error as { message?: unknown } | undefined
    const message = typeof body?.message === 'string' ? body.message : error.message
    return { kind: 'error', step, failure: 'status', status: error.status, message }
  }
  return { kind: 'error', step, failure: 'unreachable', status: undefined, message: messageWithCause(error) }
}

function isJsonObject(text: string): boolean {
  try {
    const value = JSON.parse(text) as unknown
    return typeof value === 'object' && value !== null && !Array.isArray(value)
  } catch {
    return false
  }
}
