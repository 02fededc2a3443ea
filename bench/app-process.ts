/**
 * Runs one app in a process of its own for the benchmarks, so the resident memory it
 * reports is the app's alone, not the bench process's (which hosts the emulated GitHub,
 * the model server and the other benchmarks). Forked by `forkApp` (./fork-app.ts).
 *
 * - `gaffer`: one Gaffer replica (`startGaffer`) against the given GitHub, database and
 *   model server, counting its GitHub requests.
 * - `probot`: Probot alone on `node:http` with one no-op handler: the memory baseline.
 *
 * IPC: `start` → `ready` (or `failed`), `report` → counts and memory (`reset` starts a
 * new measurement), `stop` → stops the app and exits.
 */
import { createServer } from 'node:http'
import { Probot } from 'probot'
import type { GitHubAppCredentials } from '../src/config/env.ts'
import { startGaffer } from '../src/gaffer.ts'
import type { GafferOptions, GafferSettings } from '../src/gaffer-options.ts'
import { createLogger } from '../src/log.ts'
import { createPool } from '../src/store/pool.ts'
import { WEBHOOK_PATH } from '../src/web/http-server.ts'
import { countingOctokit } from './counting-octokit.ts'

export type AppStart = {
  kind: 'gaffer' | 'probot'
  app: GitHubAppCredentials
  port: number
  githubApiUrl: string
  databaseUrl?: string
  model?: GafferOptions['model']
  settings?: Partial<GafferSettings>
  /** Where verified webhooks wait while the database is unreachable (the chaos run stops it). */
  spoolDir?: string
}
export type AppRequest = ({ type: 'start' } & AppStart) | { type: 'report'; reset?: boolean } | { type: 'stop' }
export type AppReport = {
  type: 'report'
  counts: { reads: number; writes: number; creating: number }
  /** Resident memory now, and the highest seen (sampled every 100 ms) since start or the last reset. */
  rssMb: number
  peakRssMb: number
  /** The JavaScript heap still in use after a full garbage collection: what the app retains. */
  retainedHeapMb: number
}
export type AppReply = { type: 'ready' } | { type: 'failed'; message: string } | AppReport

const send = (reply: AppReply) => process.send?.(reply)
const rssMb = () => process.memoryUsage.rss() / 1024 / 1024
/** Forked with --expose-gc (./fork-app.ts). */
const collect = (globalThis as { gc?: () => void }).gc

let peak = rssMb()
const sampler = setInterval(() => {
  peak = Math.max(peak, rssMb())
}, 100)
const counting = countingOctokit()
let stopApp: () => Promise<void> = async () => {}

async function start(options: AppStart): Promise<void> {
  const log = createLogger('silent')
  if (options.kind === 'probot') {
    const probot = new Probot({ appId: options.app.appId, privateKey: options.app.privateKey, secret: options.app.webhookSecret, log })
    probot.onAny(async () => {})
    const middleware = await probot.getNodeMiddleware({ path: WEBHOOK_PATH })
    const server = createServer((req, res) => void middleware(req, res, () => res.writeHead(404).end()))
    await new Promise<void>((resolve) => server.listen(options.port, '127.0.0.1', resolve))
    stopApp = () => new Promise((resolve) => server.close(() => resolve()))
    return
  }
  if (!options.databaseUrl) throw new Error('the gaffer app process needs databaseUrl')
  const pool = createPool(options.databaseUrl)
  const gaffer = await startGaffer({
    app: options.app,
    githubApiUrl: options.githubApiUrl,
    pool,
    log,
    port: options.port,
    host: '127.0.0.1',
    adminToken: undefined,
    // The priority judge is section 8's; here it would add model calls these figures do not count.
    settings: { schedule: false, wakes: false, priorityPollMs: 24 * 3_600_000, ...options.settings },
    Octokit: counting.Octokit,
    ...(options.model ? { model: options.model } : {}),
    ...(options.spoolDir ? { spoolDir: options.spoolDir } : {}),
  })
  stopApp = async () => {
    await gaffer.stop()
    await pool.end()
  }
}

process.on('message', (request: AppRequest) => {
  if (request.type === 'start') {
    start(request).then(
      () => send({ type: 'ready' }),
      (error: unknown) => send({ type: 'failed', message: (error as Error).stack ?? String(error) }),
    )
  } else if (request.type === 'report') {
    const now = rssMb()
    const peakNow = Math.max(peak, now)
    collect?.()
    const retainedHeapMb = collect ? process.memoryUsage().heapUsed / 1024 / 1024 : Number.NaN
    send({ type: 'report', counts: { ...counting.counts }, rssMb: now, peakRssMb: peakNow, retainedHeapMb })
    if (request.reset) {
      counting.reset()
      peak = now
    }
  } else {
    clearInterval(sampler)
    stopApp().finally(() => process.exit(0))
  }
})
// The parent went away: do not outlive it.
process.on('disconnect', () => process.exit(0))
