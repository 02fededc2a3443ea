import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/** One scripted model turn: run a shell command through the CLI's tool, or answer and stop. */
export type ResponsesStep = { command: string } | { message: string }

export type RecordedResponsesRequest = {
  authorization: string | undefined
  model: string
  /** The names of the tools the CLI offered the model. */
  tools: string[]
  /** The `input` items as sent: the conversation so far, tool outputs included. */
  input: Array<Record<string, unknown>>
}

export type ScriptedResponses = {
  /** The base URL a CLI's provider config takes, ending in `/v1`. */
  baseUrl: string
  requests: RecordedResponsesRequest[]
  close(): Promise<void>
}

/** Tokens each scripted answer reports, so a test can check the CLI's usage sum. */
export const TOKENS_PER_ANSWER = { input: 1000, output: 50 }

/**
 * Our own small server for OpenAI's Responses API as the Codex CLI streams it: every
 * `POST /v1/responses` gets the next scripted step as server-sent events
 * (`response.created`, one `response.output_item.done`, `response.completed` with usage).
 * A command step is an `exec_command` function call, the tool Codex offers for the shell;
 * with the script used up it answers "Done.". Every request is recorded.
 */
export async function startScriptedResponses(steps: ResponsesStep[]): Promise<ScriptedResponses> {
  const queue = [...steps]
  const requests: RecordedResponsesRequest[] = []
  const server: Server = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk: Buffer) => (body += chunk.toString()))
    req.on('end', () => {
      if (req.method !== 'POST' || !req.url?.endsWith('/responses')) {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `no ${req.method} ${req.url} here` } }))
        return
      }
      const request = JSON.parse(body) as { model: string; input: Array<Record<string, unknown>>; tools?: Array<{ name?: string; type: string }> }
      requests.push({
        authorization: req.headers.authorization,
        model: request.model,
        tools: (request.tools ?? []).map((tool) => tool.name ?? tool.type),
        input: request.input,
      })
      const n = requests.length
      const step = queue.shift() ?? { message: 'Done.' }
      const item =
        'command' in step
          ? { type: 'function_call', id: `fc_${n}`, call_id: `call_${n}`, name: 'exec_command', arguments: JSON.stringify({ cmd: step.command }) }
          : { type: 'message', id: `msg_${n}`, role: 'assistant', content: [{ type: 'output_text', text: step.message, annotations: [] }] }
      const usage = {
        input_tokens: TOKENS_PER_ANSWER.input,
        input_tokens_details: { cached_tokens: 0 },
        output_tokens: TOKENS_PER_ANSWER.output,
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: TOKENS_PER_ANSWER.input + TOKENS_PER_ANSWER.output,
      }
      const events = [
        { type: 'response.created', response: { id: `resp_${n}` } },
        { type: 'response.output_item.done', output_index: 0, item },
        { type: 'response.completed', response: { id: `resp_${n}`, usage } },
      ]
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
      res.end(events.map((event) => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`).join(''))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}
