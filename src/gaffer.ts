import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Probot } from 'probot'
import { z } from 'zod'
import { gafferApp } from './app.ts'
import type { GitHubAppCredentials } from './config/env.ts'
import { listInstallationRepositories } from './github/list-installation-repositories.ts'
import type { Logger } from './log.ts'
import { reconcileRepository, type ReconcileResult } from './mirror/reconcile-repository.ts'
import { createRosterRegistry } from './mirror/roster-registry.ts'
import type { MirrorDeps } from './mirror/sync-item.ts'
import { formatProblems, loadRosterDir, shippedAgentsDir } from './roster/load-roster.ts'
import { migrate } from './store/migrate.ts'
import type { Pool } from './store/pool.ts'
import { createDeliveryProcessor, type DeliveryProcessor } from './web/delivery-processor.ts'
import { createHttpServer } from './web/http-server.ts'
import { readState } from './web/read-state.ts'
import { createWebhookEndpoint } from './web/webhook-endpoint.ts'

export type GafferOptions = {
  app: GitHubAppCredentials
  githubApiUrl: string
  pool: Pool
  log: Logger
  port: number
  host?: string
  adminToken: string | undefined
  agentsDir?: string
  /** How often unfinished webhook deliveries are retried (ms). */
  sweepIntervalMs?: number
}

export type Gaffer = {
  url: string
  probot: Probot
  deliveries: DeliveryProcessor
  reconcileAll(): Promise<ReconcileResult[]>
  stop(): Promise<void>
}

const AppInfo = z.object({ slug: z.string() })
const InstallationList = z.array(z.object({ id: z.int(), account: z.object({ login: z.string() }).nullable() }))

/** Starts one app replica: migrations, the Probot app, the HTTP server, then a reconcile of every installation. */
export async function startGaffer(options: GafferOptions): Promise<Gaffer> {
  const { pool, log } = options
  await migrate(pool)
  const shipped = await loadRosterDir(options.agentsDir ?? shippedAgentsDir)
  if (!shipped.roster) throw new Error(`the shipped org in agents/ is invalid:\n${formatProblems(shipped.problems)}`)

  const probot = new Probot({
    appId: options.app.appId,
    privateKey: options.app.privateKey,
    secret: options.app.webhookSecret,
    baseUrl: options.githubApiUrl,
    log,
  })
  const appOctokit = await probot.auth()
  const { slug } = AppInfo.parse((await appOctokit.request('GET /app')).data)
  const botLogin = `${slug}[bot]`
  log.info({ app: slug, githubApiUrl: options.githubApiUrl }, 'authenticated as the GitHub App')

  const mirror: MirrorDeps = { pool, log, rosters: createRosterRegistry({ pool, log, shipped: shipped.roster }) }
  await probot.load(gafferApp({ ...mirror, botLogin: () => botLogin }))

  const deliveries = createDeliveryProcessor({ probot, pool, log })
  const server = createHttpServer({
    log,
    adminToken: options.adminToken,
    webhook: createWebhookEndpoint({ probot, pool, log, process: deliveries.process }),
    state: () => readState(pool),
  })
  await listen(server, options.port, options.host ?? '0.0.0.0')
  const { port } = server.address() as AddressInfo
  const url = `http://127.0.0.1:${port}`

  async function reconcileAll(): Promise<ReconcileResult[]> {
    const installations = InstallationList.parse(await appOctokit.paginate('GET /app/installations', { per_page: 100 }))
    const results: ReconcileResult[] = []
    for (const installation of installations) {
      const octokit = await probot.auth(installation.id)
      const account = installation.account?.login ?? ''
      for (const repository of await listInstallationRepositories(octokit, account)) {
        results.push(await reconcileRepository(mirror, octokit, { ...repository, installationId: installation.id }))
      }
    }
    return results
  }

  await deliveries.sweep()
  await reconcileAll()
  const sweepTimer = setInterval(() => {
    deliveries.sweep().catch((error: unknown) => log.error({ err: error }, 'webhook sweep failed'))
  }, options.sweepIntervalMs ?? 30_000)
  sweepTimer.unref()
  log.info({ url }, 'gaffer is listening')

  return {
    url,
    probot,
    deliveries,
    reconcileAll,
    async stop() {
      clearInterval(sweepTimer)
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      server.closeAllConnections()
      await closed
      await deliveries.idle()
    },
  }
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new Error(`port ${port} is in use; set PORT to a free port`) : error),
    )
    server.listen(port, host, () => resolve())
  })
}
