import { Octokit } from '@octokit/rest'
import { ProbotOctokit } from 'probot'
import { startGaffer, type Gaffer, type GafferOptions, type GafferSettings } from '../src/gaffer.ts'
import { createLogger } from '../src/log.ts'
import { freePort } from '../src/net/free-port.ts'
import { startEmulatedGitHub, type EmulatedGitHub } from '../src/sandbox/emulated-github.ts'
import type { Pool } from '../src/store/pool.ts'
import { WEBHOOK_PATH } from '../src/web/http-server.ts'

const creates = /\/(issues|comments|pulls|reviews|releases)$/

/** Probot's Octokit with a plugin that counts every request: reads, writes, and content-creating POSTs. */
export function countingOctokit() {
  const counts = { reads: 0, writes: 0, creating: 0 }
  const Counting = ProbotOctokit.plugin((octokit) => {
    octokit.hook.before('request', (request) => {
      if (request.method === 'GET') counts.reads += 1
      else counts.writes += 1
      if (request.method === 'POST' && creates.test(request.url)) counts.creating += 1
    })
  })
  return {
    Octokit: Counting,
    counts,
    total: () => counts.reads + counts.writes,
    reset() {
      counts.reads = 0
      counts.writes = 0
      counts.creating = 0
    },
  }
}

export type BenchReplica = { github: EmulatedGitHub; gaffer: Gaffer; owner: string; repo: string; maya: Octokit; stop(): Promise<void> }

/**
 * The emulated GitHub of the sandbox and one Gaffer replica on `pool`, without cron or
 * wakes unless `settings` says otherwise. `beforeStart` runs once the emulator is up,
 * just before the replica starts (for a memory baseline).
 */
export async function startBenchReplica(options: {
  pool: Pool
  Octokit: typeof ProbotOctokit
  settings?: Partial<GafferSettings>
  agentsDir?: string
  model?: GafferOptions['model']
  beforeStart?: () => void
}): Promise<BenchReplica> {
  const port = await freePort()
  const github = await startEmulatedGitHub({ webhookUrl: `http://127.0.0.1:${port}${WEBHOOK_PATH}` })
  options.beforeStart?.()
  const gaffer = await startGaffer({
    app: github.app,
    githubApiUrl: github.url,
    pool: options.pool,
    log: createLogger('silent'),
    port,
    host: '127.0.0.1',
    adminToken: undefined,
    settings: { schedule: false, wakes: false, ...options.settings },
    Octokit: options.Octokit,
    ...(options.agentsDir ? { agentsDir: options.agentsDir } : {}),
    ...(options.model ? { model: options.model } : {}),
  })
  const [owner, repo] = github.repository.split('/') as [string, string]
  return {
    github,
    gaffer,
    owner,
    repo,
    maya: new Octokit({ baseUrl: github.url, auth: github.maintainer.token }),
    async stop() {
      await gaffer.stop()
      await github.emulator.close()
    },
  }
}
