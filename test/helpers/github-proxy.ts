import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'

/** `headers`: the request's headers as sent (a stand-in acts with the caller's own token). */
export type ProxiedRequest = { method: string; path: string; body: unknown; headers?: Record<string, string> }
/** An answer the proxy gives instead of forwarding; undefined forwards the request. */
export type InterceptAnswer = { status: number; body: unknown; headers?: Record<string, string> }
export type Intercept = (request: ProxiedRequest) => Promise<InterceptAnswer | undefined> | InterceptAnswer | undefined

export type GitHubProxy = {
  url: string
  /** Every request Gaffer made through the proxy, in order. */
  requests: ProxiedRequest[]
  close(): Promise<void>
}

/**
 * A small HTTP proxy in front of the emulated GitHub: it records every request Gaffer
 * makes and lets a test answer some of them itself (say, refuse a draft pull request as
 * a GitHub plan without drafts does), forwarding the rest unchanged, but for one thing the
 * emulator leaves out: an item's comments listed `since` a time are only those updated at
 * or after it, as GitHub answers.
 */
export async function startGitHubProxy(target: string, intercept: Intercept = () => undefined): Promise<GitHubProxy> {
  const requests: ProxiedRequest[] = []
  const server = createServer((req, res) => {
    void (async () => {
      const raw = await readBody(req)
      const text = raw.toString('utf8')
      const headers = Object.fromEntries(
        Object.entries(req.headers).flatMap(([name, value]) => (name === 'host' || value === undefined ? [] : [[name, String(value)]])),
      )
      const request: ProxiedRequest = { method: req.method ?? 'GET', path: req.url ?? '/', body: text ? safeJson(text) : undefined }
      requests.push(request)
      const answer = await intercept({ ...request, headers })
      if (answer) {
        res.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8', ...answer.headers })
        res.end(JSON.stringify(answer.body))
        return
      }
      const response = await fetch(new URL(request.path, target), {
        method: request.method,
        headers,
        body: ['GET', 'HEAD'].includes(request.method) ? undefined : raw,
      })
      const forwarded = sinceApplied(request, Buffer.from(await response.arrayBuffer()))
      const out: Record<string, string> = {}
      response.headers.forEach((value, name) => {
        if (!['content-encoding', 'content-length', 'transfer-encoding', 'connection'].includes(name)) out[name] = value
      })
      res.writeHead(response.status, out)
      res.end(forwarded)
    })().catch((error: unknown) => {
      res.writeHead(502, { 'content-type': 'text/plain' })
      res.end(String(error))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

/** GitHub's `since` on an item's comments, which the emulator ignores: what was updated at or after it. */
function sinceApplied(request: ProxiedRequest, body: Buffer): Buffer {
  const url = new URL(request.path, 'http://proxy')
  const since = url.searchParams.get('since')
  if (request.method !== 'GET' || !since || !/^\/repos\/[^/]+\/[^/]+\/issues\/\d+\/comments$/.test(url.pathname)) return body
  const comments = safeJson(body.toString('utf8'))
  if (!Array.isArray(comments)) return body
  return Buffer.from(
    JSON.stringify((comments as Array<{ updated_at: string }>).filter((comment) => Date.parse(comment.updated_at) >= Date.parse(since))),
  )
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}
