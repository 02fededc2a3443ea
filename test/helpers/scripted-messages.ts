import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { ResponsesStep } from './scripted-responses.ts'

export type RecordedMessagesRequest = {
  apiKey: string | undefined
  model: string
  /** The names of the tools the CLI offered the model. */
  tools: string[]
  /** The conversation so far, tool results included. */
  messages: Array<{ role: string; content: unknown }>
}

export type ScriptedMessages = {
  /** The base URL for ANTHROPIC_BASE_URL (no `/v1`: the client adds it). */
  baseUrl: string
  requests: RecordedMessagesRequest[]
  close(): Promise<void>
}

/** Tokens each scripted answer reports, so a test can check the CLI's usage sum. */
export const MESSAGES_TOKENS_PER_ANSWER = { input: 1200, output: 60 }

/**
 * Our own small server for Anthropic's Messages API as Claude Code streams it: every
 * `POST /v1/messages` gets the next scripted step as server-sent events
 * (`message_start`, one content block with its delta, `message_delta` with the stop
 * reason and usage, `message_stop`). A command step is a `tool_use` of `Bash`, the
 * tool Claude Code offers for the shell; with the script used up it answers "Done.".
 * Anything else (the CLI's reachability probe) gets 404. Every request is recorded.
 */
export async function startScriptedMessages(steps: ResponsesStep[]): Promise<ScriptedMessages> {
  const queue = [...steps]
  const requests: RecordedMessagesRequest[] = []
  const server: Server = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk: Buffer) => (body += chunk.toString()))
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://model.invalid')
      if (req.method !== 'POST' || url.pathname !== '/v1/messages') {
        res.writeHead(404, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ type: 'error', error: { type: 'not_found_error', message: `no ${req.method} ${url.pathname} here` } }))
        return
      }
      const request = JSON.parse(body) as {
        model: string
        stream?: boolean
        messages: RecordedMessagesRequest['messages']
        tools?: Array<{ name: string }>
      }
      requests.push({
        apiKey: typeof req.headers['x-api-key'] === 'string' ? req.headers['x-api-key'] : undefined,
        model: request.model,
        tools: (request.tools ?? []).map((tool) => tool.name),
        messages: request.messages,
      })
      const n = requests.length
      const step = queue.shift() ?? { message: 'Done.' }
      const block =
        'command' in step
          ? {
              start: { type: 'tool_use', id: `toolu_${n}`, name: 'Bash', input: {} },
              delta: { type: 'input_json_delta', partial_json: JSON.stringify({ command: step.command, description: 'Run the command' }) },
            }
          : { start: { type: 'text', text: '' }, delta: { type: 'text_delta', text: step.message } }
      const events = [
        {
          type: 'message_start',
          message: {
            id: `msg_${n}`,
            type: 'message',
            role: 'assistant',
            model: request.model,
            content: [],
            stop_reason: null,
            stop_sequence: null,
            usage: { input_tokens: MESSAGES_TOKENS_PER_ANSWER.input, output_tokens: 1 },
          },
        },
        { type: 'content_block_start', index: 0, content_block: block.start },
        { type: 'content_block_delta', index: 0, delta: block.delta },
        { type: 'content_block_stop', index: 0 },
        {
          type: 'message_delta',
          delta: { stop_reason: 'command' in step ? 'tool_use' : 'end_turn', stop_sequence: null },
          usage: { output_tokens: MESSAGES_TOKENS_PER_ANSWER.output },
        },
        { type: 'message_stop' },
      ]
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
      res.end(events.map((event) => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`).join(''))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}
