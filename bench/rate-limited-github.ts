import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { throttling } from '@octokit/plugin-throttling'

/** GitHub's limits for one installation, as this proxy enforces them; `hourMs` is how long its hour lasts. */
export type PlatformLimits = { hourMs: number; primaryPerHour: number; contentPerMinute: number; contentPerHour: number }

export type RateLimitedGitHub = {
  url: string
  /** Installation requests let through (304s apart), refused for the primary or a secondary limit, and the content-creating ones let through. */
  counts: { forwarded: number; notModified: number; content: number; refusedPrimary: number; refusedSecondary: number }
  /** The content-creating requests let through, in the order they arrived: when (Date.now()) and for which issue or pull request. */
  contentLog: Array<{ at: number; number: number }>
  close(): Promise<void>
}

/**
 * A small proxy in front of the emulated GitHub that enforces GitHub's limits on the
 * installation's requests, in a faster clock: the primary limit in fixed windows that
 * reset as `X-RateLimit-Reset` says (every answer carries the `X-RateLimit-*` headers,
 * and a 304 spends nothing), and the content-creating limits as "no more than N in any
 * minute / hour". A request over a limit gets what GitHub answers: 403 with
 * `x-ratelimit-remaining: 0` for the primary, 403 with `retry-after` and GitHub's
 * secondary-limit message for content. `retry-after` and the reset are in the proxy's
 * clock (seconds, fractional when its hour is short). The app's own requests (JWT,
 * `/app/...`) pass unlimited, as GitHub counts them apart.
 */
export async function startRateLimitedGitHub(target: string, limits: PlatformLimits): Promise<RateLimitedGitHub> {
  const minuteMs = limits.hourMs / 60
  const counts = { forwarded: 0, notModified: 0, content: 0, refusedPrimary: 0, refusedSecondary: 0 }
  let windowStart = Date.now()
  let used = 0
  const contentTimes: number[] = []
  const contentLog: Array<{ at: number; number: number }> = []

  const rateHeaders = () => ({
    'x-ratelimit-limit': String(limits.primaryPerHour),
    'x-ratelimit-remaining': String(Math.max(0, limits.primaryPerHour - used)),
    'x-ratelimit-reset': String((windowStart + limits.hourMs) / 1000),
    'x-ratelimit-used': String(used),
    'x-ratelimit-resource': 'core',
  })

  /** Refuses a request over a limit, or undefined to let it through (counting it). */
  function refusal(method: string, path: string): { headers: Record<string, string>; message: string } | undefined {
    const now = Date.now()
    if (now >= windowStart + limits.hourMs) {
      windowStart = now
      used = 0
    }
    if (used >= limits.primaryPerHour) {
      counts.refusedPrimary += 1
      return { headers: rateHeaders(), message: 'API rate limit exceeded for installation.' }
    }
    const content = method === 'POST' && throttling.triggersNotification(path)
    if (content) {
      while (contentTimes.length > 0 && contentTimes[0]! <= now - limits.hourMs) contentTimes.shift()
      const lastMinute = contentTimes.filter((at) => at > now - minuteMs)
      const blockedUntil =
        lastMinute.length >= limits.contentPerMinute
          ? lastMinute[lastMinute.length - limits.contentPerMinute]! + minuteMs
          : contentTimes.length >= limits.contentPerHour
            ? contentTimes[contentTimes.length - limits.contentPerHour]! + limits.hourMs
            : undefined
      if (blockedUntil !== undefined) {
        counts.refusedSecondary += 1
        return {
          headers: { ...rateHeaders(), 'retry-after': String(Math.max(0.001, (blockedUntil - now) / 1000)) },
          message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
        }
      }
      contentTimes.push(now)
      counts.content += 1
      contentLog.push({ at: now, number: Number(/\/(?:issues|pulls)\/(\d+)\//.exec(path)?.[1] ?? 0) })
    }
    return undefined
  }

  const server = createServer((req, res) => {
    void forward(req, res).catch((error: unknown) => {
      res.writeHead(502, { 'content-type': 'text/plain' })
      res.end(String(error))
    })
  })
  async function forward(req: IncomingMessage, res: import('node:http').ServerResponse): Promise<void> {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const method = req.method ?? 'GET'
    const path = (req.url ?? '/').split('?')[0]!
    const installation = !path.startsWith('/app') && /^token /i.test(String(req.headers.authorization ?? ''))
    const refused = installation ? refusal(method, path) : undefined
    if (refused) {
      res.writeHead(403, { 'content-type': 'application/json; charset=utf-8', ...refused.headers })
      res.end(
        JSON.stringify({
          message: refused.message,
          documentation_url: 'https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api',
        }),
      )
      return
    }
    const headers = Object.fromEntries(
      Object.entries(req.headers).flatMap(([name, value]) => (name === 'host' || value === undefined ? [] : [[name, String(value)]])),
    )
    const response = await fetch(new URL(req.url ?? '/', target), {
      method,
      headers,
      body: ['GET', 'HEAD'].includes(method) ? undefined : Buffer.concat(chunks),
    })
    if (installation) {
      if (response.status === 304) counts.notModified += 1
      else {
        used += 1
        counts.forwarded += 1
      }
    }
    const out: Record<string, string> = installation ? rateHeaders() : {}
    response.headers.forEach((value, name) => {
      if (!['content-encoding', 'content-length', 'transfer-encoding', 'connection'].includes(name) && !name.startsWith('x-ratelimit'))
        out[name] = value
    })
    res.writeHead(response.status, out)
    res.end(Buffer.from(await response.arrayBuffer()))
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    contentLog,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
