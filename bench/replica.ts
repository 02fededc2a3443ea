import { Octokit } from '@octokit/rest'
import type { ProbotOctokit } from 'probot'
import { statusLabel, statuses } from '../src/company/labels.ts'
import { startGaffer, type Gaffer } from '../src/gaffer.ts'
import type { GafferOptions, GafferSettings } from '../src/gaffer-options.ts'
import { createLogger } from '../src/log.ts'
import { freePort } from '../src/net/free-port.ts'
import { startEmulatedGitHub, type EmulatedGitHub } from '../src/sandbox/emulated-github.ts'
import type { Pool } from '../src/store/pool.ts'
import { WEBHOOK_PATH } from '../src/web/http-server.ts'
import { graphqlStandIn } from '../test/helpers/github-graphql-stand-in.ts'
import { startGitHubProxy } from '../test/helpers/github-proxy.ts'

export type BenchGitHub = {
  github: EmulatedGitHub
  /** The port the emulator delivers webhooks to, where the replica must listen. */
  port: number
  owner: string
  repo: string
  /** The demo maintainer, as a GitHub client. */
  maya: Octokit
}

/** The sandbox's emulated GitHub, delivering webhooks to a free local port for the replica to take. */
export async function startBenchGitHub(): Promise<BenchGitHub> {
  const port = await freePort()
  const github = await startEmulatedGitHub({ webhookUrl: `http://127.0.0.1:${port}${WEBHOOK_PATH}` })
  const [owner, repo] = github.repository.split('/') as [string, string]
  return { github, port, owner, repo, maya: new Octokit({ baseUrl: github.url, auth: github.maintainer.token }) }
}

export type BenchReplica = BenchGitHub & { gaffer: Gaffer; stop(): Promise<void> }

/**
 * The emulated GitHub of the sandbox and one Gaffer replica on `pool`, in this process,
 * without cron or wakes unless `settings` says otherwise.
 */
export async function startBenchReplica(options: {
  pool: Pool
  Octokit: typeof ProbotOctokit
  settings?: Partial<GafferSettings>
  agentsDir?: string
  model?: GafferOptions['model']
  work?: GafferOptions['work']
  /**
   * Puts the tests' stand-in for GitHub's GraphQL in front of the emulated GitHub (which has
   * none), so status moves go as GitHub takes them; the repository gets Gaffer's status
   * labels first, as one it has worked in (a label GitHub lacks is created by REST).
   */
  graphql?: boolean
}): Promise<BenchReplica> {
  const bench = await startBenchGitHub()
  const { github, port, owner, repo, maya } = bench
  const proxy = options.graphql
    ? await startGitHubProxy(
        github.url,
        graphqlStandIn(
          () => github.url,
          () => github.repository,
        ),
      )
    : undefined
  if (proxy) for (const status of statuses) await maya.issues.createLabel({ owner, repo, name: statusLabel(status), color: 'ededed' }).catch(() => {})
  const gaffer = await startGaffer({
    app: github.app,
    githubApiUrl: proxy?.url ?? github.url,
    pool: options.pool,
    log: createLogger('silent'),
    port,
    host: '127.0.0.1',
    adminToken: undefined,
    // The priority judge is section 8's; here it would add model calls these figures do not count.
    settings: { schedule: false, wakes: false, priorityPollMs: 24 * 3_600_000, ...options.settings },
    Octokit: options.Octokit,
    ...(options.agentsDir ? { agentsDir: options.agentsDir } : {}),
    ...(options.model ? { model: options.model } : {}),
    ...(options.work ? { work: options.work } : {}),
  })
  return {
    ...bench,
    gaffer,
    async stop() {
      await gaffer.stop()
      await proxy?.close()
      await github.emulator.close()
    },
  }
}
