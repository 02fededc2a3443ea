import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import Bottleneck from 'bottleneck'
import { Probot, ProbotOctokit } from 'probot'
import { z } from 'zod'
import { gafferApp } from './app.ts'
import type { Config, GitHubAppCredentials } from './config/env.ts'
import { countRequests } from './github/count-requests.ts'
import { createEtagCache } from './github/etag-cache.ts'
import { listInstallationRepositories } from './github/list-installation-repositories.ts'
import { releaseExpired, type EscalationHook, type WorkHook } from './heartbeat/heartbeat.ts'
import { createHeartbeats } from './heartbeat/heartbeats.ts'
import { createScheduler } from './heartbeat/scheduler.ts'
import type { Logger } from './log.ts'
import { reconcileRepository, type ReconcileResult } from './mirror/reconcile-repository.ts'
import { createRosterRegistry } from './mirror/roster-registry.ts'
import type { MirrorDeps } from './mirror/sync-item.ts'
import { formatProblems, loadRosterDir, shippedAgentsDir } from './roster/load-roster.ts'
import { createWorkWithoutModel } from './runtime/without-model.ts'
import { createCliWork } from './runtime/cli/cli-work.ts'
import { findProgram } from './runtime/cli/run-cli.ts'
import { workspaceOps } from './runtime/cli/workspace-ops.ts'
import type { WorkspaceOps } from './runtime/cli/workspace-seam.ts'
import type { CliRuntimes } from './config/runtimes.ts'
import { createAgentRuntime, type RuntimeDeps } from './runtime/agent-runtime.ts'
import { createEscalationHandler } from './runtime/escalations.ts'
import { createModelClient, hasModel } from './llm/model-client.ts'
import { createPermissionCache } from './github/permissions.ts'
import { defaultFuses, type Fuses } from './company/fuses.ts'
import { defaultPrices, type Price } from './llm/prices.ts'
import { migrate } from './store/migrate.ts'
import type { Pool } from './store/pool.ts'
import { getRepository } from './store/repositories.ts'
import { createDeliveryProcessor, type DeliveryProcessor } from './web/delivery-processor.ts'
import { createHttpServer } from './web/http-server.ts'
import { readState } from './web/read-state.ts'
import { createWebhookEndpoint } from './web/webhook-endpoint.ts'

export type GafferSettings = {
  /** A claim's lease; renewed while work runs, released back to todo when it lapses. */
  leaseMs: number
  maxAttempts: number
  wakeDebounceMs: number
  /** The periodic heal of the mirror from GitHub (and of expired leases and priorities). */
  sweepIntervalMs: number
  /** How often recorded-but-unfinished webhook deliveries are retried. */
  deliverySweepIntervalMs: number
  heartbeatTimeBudgetMs: number
  reconcileLimit: number
  stopGraceMs: number
  /**
   * Least time between two writes to one GitHub (Probot's throttle): GitHub asks for
   * about a second to stay clear of its secondary limits. The sandbox's emulated GitHub
   * has none, so it spaces writes less.
   */
  writeSpacingMs: number
  /** Register the agents' cron heartbeats (tests that drive heartbeats by hand turn this off). */
  schedule: boolean
  /** Wake an agent as soon as a webhook gives it work. */
  wakes: boolean
}

export const defaultSettings: GafferSettings = {
  // Short, so a crashed replica's items are claimable again within minutes; live work renews it every third.
  leaseMs: 3 * 60_000,
  maxAttempts: 3,
  wakeDebounceMs: 2_000,
  sweepIntervalMs: 10 * 60_000,
  deliverySweepIntervalMs: 30_000,
  heartbeatTimeBudgetMs: 10 * 60_000,
  reconcileLimit: 20,
  stopGraceMs: 20_000,
  writeSpacingMs: 1_000,
  schedule: true,
  wakes: true,
}

export type GafferOptions = {
  app: GitHubAppCredentials
  githubApiUrl: string
  pool: Pool
  log: Logger
  port: number
  host?: string
  adminToken: string | undefined
  agentsDir?: string
  settings?: Partial<GafferSettings>
  /** The model server; without a key or base URL agents only do what needs no model. */
  model?: { apiKey: string | undefined; baseUrl: string | undefined; defaultModel: string; timeoutMs?: number; maxRetries?: number }
  prices?: Record<string, Price>
  fuses?: Fuses
  owners?: string[]
  /** People besides writers and owners who may /approve. */
  approvers?: string[]
  commentAccess?: 'writers' | 'everyone'
  /** Probot's Octokit class, e.g. with a plugin that measures requests (the benchmarks use one). */
  Octokit?: typeof ProbotOctokit
  /** Operator-defined CLI runtimes (SPEC §14); agents with `runtime: <name>` work through them. */
  cli?: { runtimes: CliRuntimes; sandbox: 'auto' | 'none'; usdPerMinute: number; home: string; workspace?: WorkspaceOps }
  /** Replaces the work step (tests drive heartbeats with their own). */
  work?: WorkHook
  escalations?: EscalationHook
  now?: () => Date
}

export type Gaffer = {
  url: string
  probot: Probot
  deliveries: DeliveryProcessor
  heartbeats: ReturnType<typeof createHeartbeats>
  scheduledTasks(): string[]
  reconcileAll(): Promise<ReconcileResult[]>
  stop(): Promise<void>
}

/** The parts of GafferOptions that come straight from the environment. */
export function optionsFromConfig(
  config: Config,
): Pick<GafferOptions, 'model' | 'prices' | 'fuses' | 'owners' | 'approvers' | 'commentAccess' | 'adminToken' | 'cli'> {
  return {
    cli: { ...config.cli, home: config.home },
    model: { apiKey: config.openai.apiKey, baseUrl: config.openai.baseUrl, defaultModel: config.openai.model },
    prices: config.prices,
    fuses: config.fuses,
    owners: config.owners,
    approvers: config.approvers,
    commentAccess: config.commentAccess,
    adminToken: config.adminToken,
  }
}

const AppInfo = z.object({ slug: z.string() })
const InstallationList = z.array(z.object({ id: z.int(), account: z.object({ login: z.string() }).nullable() }))

/** Starts one app replica: migrations, the Probot app, heartbeats, the HTTP server, then a reconcile of every installation. */
export async function startGaffer(options: GafferOptions): Promise<Gaffer> {
  const { pool, log } = options
  const settings = { ...defaultSettings, ...options.settings }
  const now = options.now ?? (() => new Date())
  await migrate(pool)
  const cliRuntimes = Object.keys(options.cli?.runtimes ?? {})
  const shipped = await loadRosterDir(options.agentsDir ?? shippedAgentsDir, { runtimes: cliRuntimes })
  if (!shipped.roster) throw new Error(`the shipped org in agents/ is invalid:\n${formatProblems(shipped.problems)}`)

  const probot = new Probot({
    appId: options.app.appId,
    privateKey: options.app.privateKey,
    secret: options.app.webhookSecret,
    baseUrl: options.githubApiUrl,
    log,
    Octokit: withWriteSpacing(options.Octokit ?? ProbotOctokit, settings.writeSpacingMs),
  })
  const appOctokit = await probot.auth()
  const { slug } = AppInfo.parse((await appOctokit.request('GET /app')).data)
  const botLogin = `${slug}[bot]`
  log.info({ app: slug, githubApiUrl: options.githubApiUrl }, 'authenticated as the GitHub App')

  const octokitFor = async (repository: string) => {
    const installed = await getRepository(pool, repository)
    if (!installed) throw new Error(`${repository} is not installed`)
    return probot.auth(installed.installation_id)
  }
  const etags = createEtagCache()
  let scheduler: ReturnType<typeof createScheduler> | undefined
  const rosters = createRosterRegistry({ pool, log, shipped: shipped.roster, runtimes: cliRuntimes, onChange: (repository, roster) => scheduler?.sync(repository, roster) })
  let wakeAgent: ((repository: string, agent: string) => void) | undefined
  const wake = (repository: string, agent: string) => wakeAgent?.(repository, agent)
  const permissionOf = createPermissionCache()
  const owners = options.owners ?? []
  const fuses = options.fuses ?? defaultFuses
  const runtime: RuntimeDeps | undefined =
    options.model && hasModel(options.model)
      ? {
          pool,
          log,
          rosters,
          model: createModelClient({
            apiKey: options.model.apiKey,
            baseUrl: options.model.baseUrl,
            timeoutMs: options.model.timeoutMs ?? 120_000,
            maxRetries: options.model.maxRetries ?? 3,
          }),
          defaultModel: options.model.defaultModel,
          prices: options.prices ?? defaultPrices,
          fuses,
          owners,
          permissionOf,
          commentAccess: options.commentAccess ?? 'writers',
          botLogin: () => botLogin,
          now,
          wake,
          maxIdenticalFailures: 3,
        }
      : undefined
  const chatWork = runtime
    ? createAgentRuntime(runtime)
    : createWorkWithoutModel({ pool, log, rosters, fuses, owners, permissionOf, now, wake, botLogin: () => botLogin })
  const cli = options.cli
  const cliWork = cli && cliRuntimes.length > 0
    ? createCliWork({ pool, log, rosters, fuses, owners, permissionOf, now, wake, botLogin: () => botLogin, commentAccess: options.commentAccess ?? 'writers',
        prices: options.prices ?? defaultPrices, maxIdenticalFailures: 3, hostEnv: process.env, workspace: cli.workspace ?? workspaceOps, ...cli })
    : undefined
  if (cliWork) warnAboutSandbox(log, cli!.sandbox)
  const work: WorkHook = options.work ?? ((context) => (cliWork && context.agent.runtime !== 'chat' ? cliWork : chatWork)(context))
  const escalations =
    options.escalations ?? createEscalationHandler({ pool, log, rosters, owners, wake, botLogin: () => botLogin, ...(runtime ? { runtime } : {}) })
  const heartbeats = createHeartbeats({
    pool,
    log,
    rosters,
    octokitFor,
    etags,
    work,
    escalations,
    leaseMs: settings.leaseMs,
    maxAttempts: settings.maxAttempts,
    reconcileLimit: settings.reconcileLimit,
    timeBudgetMs: settings.heartbeatTimeBudgetMs,
    wakeDebounceMs: settings.wakeDebounceMs,
    drainBacklog: settings.wakes,
    now,
    wake,
    owners,
    botLogin: () => botLogin,
  })
  if (settings.schedule) scheduler = createScheduler({ pool, log, fire: heartbeats.run })
  if (settings.wakes) wakeAgent = heartbeats.wake

  const mirror: MirrorDeps = { pool, log, rosters, now, wake, botLogin: () => botLogin }
  await probot.load(
    gafferApp({ ...mirror, owners, approvers: [...owners, ...(options.approvers ?? [])], permissionOf }),
  )

  const deliveries = createDeliveryProcessor({ probot, pool, log })
  const server = createHttpServer({
    log,
    adminToken: options.adminToken,
    webhook: createWebhookEndpoint({ probot, pool, log, process: deliveries.process }),
    state: () => readState(pool, rosters),
    wake: async (agent, repository) => {
      const target = repository ?? (await onlyRepository(pool))
      if (!rosters.get(target).get(agent)) return undefined
      return heartbeats.runNow(target, agent)
    },
  })
  await listen(server, options.port, options.host ?? '0.0.0.0')
  const { port } = server.address() as AddressInfo
  const url = `http://127.0.0.1:${port}`

  async function reconcileAll(): Promise<ReconcileResult[]> {
    const installations = InstallationList.parse(await appOctokit.paginate('GET /app/installations', { per_page: 100 }))
    const results: ReconcileResult[] = []
    for (const installation of installations) {
      const octokit = await probot.auth(installation.id)
      const requests = countRequests(octokit)
      const account = installation.account?.login ?? ''
      for (const repository of await listInstallationRepositories(octokit, account)) {
        const before = requests.count
        const result = await reconcileRepository(mirror, octokit, { ...repository, installationId: installation.id }, etags)
        results.push({ ...result, githubRequests: requests.count - before })
      }
    }
    return results
  }
  const sweep = async () => {
    await releaseExpired({ pool, log, octokitFor, maxAttempts: settings.maxAttempts, rosters, owners, wake, botLogin: () => botLogin, leaseMs: settings.leaseMs }, { closeRuns: true })
    const results = await reconcileAll()
    log.info({ repositories: results.length, githubRequests: results.reduce((sum, r) => sum + (r.githubRequests ?? 0), 0) }, 'sweep finished')
  }

  await deliveries.sweep()
  await sweep()
  const timers = [
    setInterval(() => deliveries.sweep().catch((error: unknown) => log.error({ err: error }, 'webhook sweep failed')), settings.deliverySweepIntervalMs),
    setInterval(() => sweep().catch((error: unknown) => log.error({ err: error }, 'reconcile sweep failed')), settings.sweepIntervalMs),
  ]
  timers.forEach((timer) => timer.unref())
  log.info({ url, heartbeats: scheduler?.tasks().length ?? 0 }, 'gaffer is listening')

  return {
    url,
    probot,
    deliveries,
    heartbeats,
    scheduledTasks: () => scheduler?.tasks() ?? [],
    reconcileAll,
    async stop() {
      timers.forEach((timer) => clearInterval(timer))
      await scheduler?.stop()
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      server.closeAllConnections()
      await closed
      await heartbeats.stop(settings.stopGraceMs)
      await deliveries.idle()
    },
  }
}

/**
 * Probot's Octokit with its write throttle spaced as configured; content-creating
 * writes (issues, comments) keep the throttle's threefold spacing. Its other rules stay.
 */
function withWriteSpacing(Octokit: typeof ProbotOctokit, minTime: number): typeof ProbotOctokit {
  const write = new Bottleneck.Group({ id: 'gaffer-write', maxConcurrent: 1, minTime })
  const notifications = new Bottleneck.Group({ id: 'gaffer-notifications', maxConcurrent: 1, minTime: minTime * 3 })
  // A function, not an object: Probot passes its own throttle options, which an object default would replace.
  return Octokit.defaults((options: { throttle?: object }) => ({ ...options, throttle: { ...options.throttle, write, notifications } })) as typeof ProbotOctokit
}

/** CLI runs outside bubblewrap see the host's whole disk: say so once at start (SPEC §14). */
function warnAboutSandbox(log: Logger, sandbox: 'auto' | 'none'): void {
  if (sandbox === 'none') log.warn('GAFFER_SANDBOX=none: CLI runtimes run without bubblewrap and can read the whole host')
  else if (!findProgram('bwrap', process.env.PATH)) log.warn('bubblewrap (bwrap) is not installed: CLI runtimes run without a sandbox; install it, e.g. apt-get install bubblewrap')
}

async function onlyRepository(pool: Pool): Promise<string> {
  const { rows } = await pool.query<{ full_name: string }>('select full_name from repositories where active order by full_name')
  if (rows.length !== 1) {
    throw new Error(`name the repository (?repository=owner/name): this app serves ${rows.map((r) => r.full_name).join(', ') || 'none'}`)
  }
  return rows[0]!.full_name
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new Error(`port ${port} is in use; set PORT to a free port`) : error),
    )
    server.listen(port, host, () => resolve())
  })
}
