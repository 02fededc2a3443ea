import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Logger } from '../log.ts'
import type { ChangeFeed } from '../store/change-feed.ts'

export type EventStreamDeps = {
  log: Logger
  /** Opens the feed of changes every replica makes (`listenForChanges` on the pool). */
  listen(onChange: (table: string) => void, onLost: (error: Error) => void): Promise<ChangeFeed>
  /** Changes within this window reach the dashboards as one event. */
  debounceMs?: number
  /** A comment line this often keeps proxies from closing a quiet stream. */
  keepAliveMs?: number
  /** How long to wait before listening again after the database connection broke. */
  retryMs?: number
}

export type EventStream = {
  /** Serves `GET /gaffer/api/events` to an authorized client. */
  handle(req: IncomingMessage, res: ServerResponse): void
  clients(): number
  close(): Promise<void>
}

/**
 * Server-sent events for live dashboards (SPEC §16). A replica listens for changes only
 * while at least one dashboard is connected to it; each burst of changes becomes one
 * `change` event naming the tables, and each page reads again what it shows. After the
 * feed was lost and came back, a `change` of `*` tells pages to read everything again.
 */
export function createEventStream(deps: EventStreamDeps): EventStream {
  const debounceMs = deps.debounceMs ?? 300
  const clients = new Set<ServerResponse>()
  let feed: Promise<ChangeFeed | undefined> | undefined
  let pending = new Set<string>()
  let flushTimer: NodeJS.Timeout | undefined
  let retryTimer: NodeJS.Timeout | undefined
  let closed = false

  const send = (text: string) => clients.forEach((res) => res.write(text))
  const changed = (table: string) => {
    pending.add(table)
    flushTimer ??= setTimeout(() => {
      flushTimer = undefined
      const tables = [...pending].sort()
      pending = new Set()
      send(`event: change\ndata: ${JSON.stringify({ tables })}\n\n`)
    }, debounceMs)
  }
  const keepAlive = setInterval(() => send(': keep-alive\n\n'), deps.keepAliveMs ?? 25_000)
  keepAlive.unref()

  function open(afterLoss: boolean): void {
    if (closed || clients.size === 0 || feed) return
    feed = deps
      .listen(changed, (error) => {
        deps.log.warn({ err: error }, 'lost the dashboard change feed; listening again')
        feed = undefined
        retry()
      })
      .then(
        (opened) => {
          if (afterLoss) changed('*')
          return opened
        },
        (error: unknown) => {
          deps.log.warn({ err: error }, 'could not listen for dashboard changes; trying again')
          feed = undefined
          retry()
          return undefined
        },
      )
  }
  function retry(): void {
    if (closed || retryTimer) return
    retryTimer = setTimeout(() => {
      retryTimer = undefined
      open(true)
    }, deps.retryMs ?? 5_000)
    retryTimer.unref()
  }
  async function stopListening(): Promise<void> {
    const current = feed
    feed = undefined
    await (await current)?.close()
  }

  return {
    handle(req, res) {
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        // nginx buffers responses unless told not to; a buffered stream is not live.
        'x-accel-buffering': 'no',
      })
      res.write('retry: 3000\n\nevent: ready\ndata: {}\n\n')
      clients.add(res)
      open(false)
      req.on('close', () => {
        clients.delete(res)
        if (clients.size === 0) void stopListening()
      })
    },
    clients: () => clients.size,
    async close() {
      closed = true
      clearInterval(keepAlive)
      clearTimeout(flushTimer)
      clearTimeout(retryTimer)
      for (const res of clients) res.end()
      clients.clear()
      await stopListening()
    },
  }
}
