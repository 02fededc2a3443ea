import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export type ReceivedRequest = { path: string; headers: IncomingMessage['headers']; body: string }

/** How the receiver answers a request: a status, or never (the connection is held open until close). */
export type Answer = number | 'hang'

export type NotifyReceiver = {
  url: string
  /** Every request that reached it, answered or not, in order. */
  requests: ReceivedRequest[]
  /** Requests to one path. */
  at(path: string): ReceivedRequest[]
  /** Answers for the next requests to `path`, in order; once spent, 200. */
  answer(path: string, ...answers: Answer[]): void
  /** Answers 200 to the requests held open so far. */
  release(): void
  close(): Promise<void>
}

/**
 * A local stand-in for the receivers of notifications (a team's webhook endpoint, Slack's
 * incoming webhooks, Telegram's Bot API): it records each request and answers as scripted.
 */
export async function startNotifyReceiver(): Promise<NotifyReceiver> {
  const requests: ReceivedRequest[] = []
  const scripts = new Map<string, Answer[]>()
  const held = new Set<ServerResponse>()
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const path = req.url ?? '/'
      requests.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') })
      const answer = scripts.get(path)?.shift() ?? 200
      if (answer === 'hang') {
        held.add(res)
        return
      }
      res
        .writeHead(answer, { 'content-type': 'application/json' })
        .end(answer === 200 ? '{"ok":true}' : `{"ok":false,"description":"scripted ${answer}"}`)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    at: (path) => requests.filter((request) => request.path === path),
    answer: (path, ...answers) => scripts.set(path, [...(scripts.get(path) ?? []), ...answers]),
    release() {
      for (const res of held) res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}')
      held.clear()
    },
    async close() {
      for (const res of held) res.destroy()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
