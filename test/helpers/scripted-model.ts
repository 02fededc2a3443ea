import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export type ToolCallStep = { name: string; arguments: Record<string, unknown> | string }

/** One scripted answer of the model server. */
export type Step =
  | { toolCalls: ToolCallStep[]; usage?: { prompt: number; completion: number } }
  | { content: string; usage?: { prompt: number; completion: number } }
  | { status: number; headers?: Record<string, string>; error?: string }

export type RecordedRequest = {
  model: string
  messages: Array<{ role: string; content?: string | null; tool_call_id?: string; tool_calls?: unknown[] }>
  tools: Array<{ function: { name: string } }>
}

export type ScriptedModel = {
  url: string
  requests: RecordedRequest[]
  script(...steps: Step[]): void
  pending(): number
  /** Forgets the script and the recorded requests. */
  reset(): void
  close(): Promise<void>
}

/**
 * Our own small OpenAI-compatible server: `POST /v1/chat/completions` answers with the
 * next scripted step (tool calls, a plain answer, or an HTTP error) and records every
 * request, so tests can see exactly what the real `openai` client sent over HTTP.
 * With the script empty it answers `whenIdle` (default: "Done." without tool calls);
 * `delayMs` makes every answer that slow, like a real model; `port` brings a server up
 * where the app was told to find one (a model server coming back after an outage).
 */
export async function startScriptedModel(options: { delayMs?: number; whenIdle?: Step; port?: number } = {}): Promise<ScriptedModel> {
  const queue: Step[] = []
  const requests: RecordedRequest[] = []
  let calls = 0
  const server: Server = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk: Buffer) => (body += chunk.toString()))
    req.on(
      'end',
      () =>
        void new Promise((resolve) => setTimeout(resolve, options.delayMs ?? 0)).then(() => {
          if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
            res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'not found' } }))
            return
          }
          const request = JSON.parse(body) as RecordedRequest
          requests.push({ model: request.model, messages: request.messages, tools: request.tools ?? [] })
          const step = queue.shift() ?? options.whenIdle ?? { content: 'Done.' }
          if ('status' in step) {
            res.writeHead(step.status, { 'content-type': 'application/json', ...step.headers })
            res.end(JSON.stringify({ error: { message: step.error ?? `scripted ${step.status}`, type: 'scripted' } }))
            return
          }
          const usage = step.usage ?? { prompt: 100, completion: 20 }
          const message =
            'toolCalls' in step
              ? {
                  role: 'assistant',
                  content: null,
                  tool_calls: step.toolCalls.map((call) => ({
                    id: `call_${(calls += 1)}`,
                    type: 'function',
                    function: { name: call.name, arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments) },
                  })),
                }
              : { role: 'assistant', content: step.content }
          res.writeHead(200, { 'content-type': 'application/json' })
          res.end(
            JSON.stringify({
              id: `chatcmpl-${requests.length}`,
              object: 'chat.completion',
              created: 0,
              model: request.model,
              choices: [{ index: 0, message, finish_reason: 'toolCalls' in step ? 'tool_calls' : 'stop' }],
              usage: { prompt_tokens: usage.prompt, completion_tokens: usage.completion, total_tokens: usage.prompt + usage.completion },
            }),
          )
        }),
    )
  })
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    requests,
    script: (...steps) => queue.push(...steps),
    pending: () => queue.length,
    reset: () => {
      queue.length = 0
      requests.length = 0
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}

/** The tool results the runtime sent back in a request for the model's latest tool calls, in order. */
export function toolResults(request: RecordedRequest | undefined): string[] {
  const messages = request?.messages ?? []
  const lastAssistant = messages.map((m) => m.role).lastIndexOf('assistant')
  return messages
    .slice(lastAssistant + 1)
    .filter((m) => m.role === 'tool')
    .map((m) => String(m.content))
}
