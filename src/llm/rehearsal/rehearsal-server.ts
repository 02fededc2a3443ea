import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { z } from 'zod'
import type { Logger } from '../../log.ts'
import { readRehearsalRequest } from './read-rehearsal-request.ts'
import { rehearse } from './rehearse.ts'
import type { RehearsalTurn } from './rehearsal-turn.ts'

export type RehearsalServer = { url: string; close(): Promise<void> }

const MAX_REQUEST_BYTES = 8 * 1024 * 1024

const ChatRequest = z.looseObject({
  model: z.string(),
  messages: z.array(
    z.looseObject({
      role: z.string(),
      content: z.union([z.string(), z.null(), z.array(z.looseObject({ type: z.string(), text: z.string().optional() }))]).optional(),
      tool_calls: z.array(z.looseObject({ id: z.string(), function: z.looseObject({ name: z.string(), arguments: z.string() }) })).optional(),
      tool_call_id: z.string().optional(),
    }),
  ),
  tools: z.array(z.looseObject({ function: z.looseObject({ name: z.string() }).optional() })).optional(),
})

/**
 * The rehearsal model over HTTP on loopback: `POST /v1/chat/completions` in OpenAI's
 * shape, answered by `rehearse` (the rules) with no state between requests, so the real
 * `openai` client and the real runtime talk to it as to any model server. Usage is an
 * estimate (4 characters a token) so runs show tokens; the price table makes them free.
 */
export async function startRehearsalServer(log: Logger): Promise<RehearsalServer> {
  const server = createServer((req, res) => {
    answerRequest(req, res).catch((error: unknown) => {
      log.error({ err: error }, 'the rehearsal model failed to answer')
      if (!res.headersSent) sendError(res, 500, 'the rehearsal model failed; see the log')
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve())
        // The openai client keeps connections alive; they would hold the close open.
        server.closeAllConnections()
      }),
  }
}

async function answerRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'POST' || !/\/chat\/completions\/?$/.test(new URL(req.url ?? '/', 'http://localhost').pathname)) {
    req.resume()
    return sendError(res, 404, 'the rehearsal model serves only POST /v1/chat/completions')
  }
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > MAX_REQUEST_BYTES) return sendError(res, 413, `a request over ${MAX_REQUEST_BYTES} bytes`)
    chunks.push(chunk)
  }
  let json: unknown
  try {
    json = JSON.parse(Buffer.concat(chunks).toString('utf8'))
  } catch {
    return sendError(res, 400, 'the request body is not JSON')
  }
  const parsed = ChatRequest.safeParse(json)
  if (!parsed.success)
    return sendError(res, 400, `not a chat completion request: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`)
  const request = parsed.data
  const turn = rehearse(readRehearsalRequest(request))
  const turnIndex = request.messages.filter((m) => m.role === 'assistant').length
  res
    .writeHead(200, { 'content-type': 'application/json' })
    .end(JSON.stringify(completion(request.model, turn, turnIndex, JSON.stringify(request.messages).length)))
}

/** A Chat Completions response carrying the turn; tool call ids are unique within the session. */
function completion(model: string, turn: RehearsalTurn, turnIndex: number, promptChars: number) {
  const message =
    'calls' in turn
      ? {
          role: 'assistant',
          content: null,
          tool_calls: turn.calls.map((call, index) => ({
            id: `call_${turnIndex}_${index}`,
            type: 'function',
            function: { name: call.name, arguments: JSON.stringify(call.arguments) },
          })),
        }
      : { role: 'assistant', content: turn.text }
  const prompt = Math.ceil(promptChars / 4)
  const completionTokens = Math.ceil(JSON.stringify(message).length / 4)
  return {
    id: `rehearsal-${turnIndex}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message, finish_reason: 'calls' in turn ? 'tool_calls' : 'stop' }],
    usage: { prompt_tokens: prompt, completion_tokens: completionTokens, total_tokens: prompt + completionTokens },
  }
}

function sendError(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message, type: 'invalid_request_error' } }))
}
