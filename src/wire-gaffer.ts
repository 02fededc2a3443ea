import type { Server } from 'node:http'
import { Probot, ProbotOctokit, type ApplicationFunction } from 'probot'
import { gafferApp } from './app.ts'
import { fallbackSettings } from './config/fallback-settings.ts'
import { createSettingsRegistry, type SettingsRegistry } from './mirror/settings-registry.ts'
import { defaultSettings, type GafferOptions, type GafferSettings } from './gaffer-options.ts'
import { createAppIdentity, type AppIdentity } from './github/app-identity.ts'
import { createEtagCache } from './github/etag-cache.ts'
import { observeRequests } from './github/observe-requests.ts'
import { createPermissionCache } from './github/permissions.ts'
import { withWriteSpacing, writeLanes, type WriteLanes } from './github/with-write-spacing.ts'
import { releaseExpired } from './heartbeat/heartbeat.ts'
import { createHeartbeats, type Heartbeats } from './heartbeat/heartbeats.ts'
import { createScheduler, type Scheduler } from './heartbeat/scheduler.ts'
import { createWakeRouter } from './heartbeat/wake-router.ts'
import { createModelClient, hasModel } from './llm/model-client.ts'
import { createQuotaArbiter, type QuotaArbiter } from './quota/quota-arbiter.ts'
import { createGithubQuota } from './quota/github-quota.ts'
import { createModelQuota } from './quota/model-quota.ts'
import { withQuotaPriority } from './quota/quota-priority.ts'
import { createModelBreaker, type ModelBreaker } from './llm/model-breaker.ts'
import { defaultPrices } from './llm/prices.ts'
import { REHEARSAL_NAME } from './llm/rehearsal/rehearsal-model.ts'
import type { Logger } from './log.ts'
import { createMetrics, type Metrics } from './metrics/metrics.ts'
import { reconcileInstallations } from './mirror/reconcile-installations.ts'
import type { ReconcileResult } from './mirror/reconcile-repository.ts'
import { createRosterRegistry, type RosterRegistry } from './mirror/roster-registry.ts'
import type { MirrorDeps } from './mirror/sync-item.ts'
import { formatProblems, loadRosterDir, shippedAgentsDir } from './roster/load-roster.ts'
import { createAgentRuntime, type RuntimeDeps } from './runtime/agent-runtime.ts'
import { createEscalationHandler } from './runtime/escalations.ts'
import { createWorkWithoutModel } from './runtime/without-model.ts'
import { createCliWork } from './runtime/cli/cli-work.ts'
import { findProgram } from './runtime/cli/run-cli.ts'
import { workspaceOps } from './runtime/cli/workspace-ops.ts'
import { pruneWorkspaces } from './workspace/prune-workspaces.ts'
import type { WorkHook } from './heartbeat/heartbeat.ts'
import type { Pool } from './store/pool.ts'
import { getRepository, listActiveRepositoryNames } from './store/repositories.ts'
import { createDeliveryProcessor, type DeliveryProcessor } from './web/delivery-processor.ts'
import { createHttpServer } from './web/http-server.ts'
import { createReadiness } from './web/readiness.ts'
import { readState } from './web/read-state.ts'
import { createWebhookEndpoint } from './web/webhook-endpoint.ts'
import { createIntakeSweep } from './web/intake-sweep.ts'
import type { Octokit } from './github/octokit.ts'
import { DEFAULT_MODEL_MAX_PARALLEL, defaultMaxParallel, type ProcessRole } from './config/env.ts'
import { runReservation } from './company/run-reservation.ts'
import { createWorkSlots } from './heartbeat/work-slots.ts'
import type { Agent } from './roster/schema.ts'
import { requestWake, takeWakeRequests } from './store/wake-requests.ts'
import { githubWebUrl } from './github/web-url.ts'
import { listItemComments } from './github/list-item-comments.ts'
import { auditVocabulary, listAudit } from './store/audit-log.ts'
import { listenForChanges } from './store/change-feed.ts'
import { getChatTranscript } from './store/chat-transcripts.ts'
import { getCliTranscript } from './store/cli-transcripts.ts'
import { createEventStream, type EventStream } from './web/event-stream.ts'
import { readItemPage } from './web/read-item-page.ts'
import { createPriorityJudge, type PriorityJudge } from './priority/judge-priorities.ts'
import { createNotifier, type Notifier } from './notify/notifier.ts'

/** One replica, assembled and connected but not started: nothing listens, no timer runs, GitHub has not been asked anything. */
export type WiredGaffer = {
  pool: Pool
  log: Logger
  settings: GafferSettings
  githubApiUrl: string
  probot: Probot
  identity: AppIdentity
  /** The webhook handlers, for `probot.load` once the app is authenticated. */
  app: ApplicationFunction
  rosters: RosterRegistry
  heartbeats: Heartbeats
  /** The global model breaker; undefined without a model. */
  modelBreaker: ModelBreaker | undefined
  /** Registers the agents' cron heartbeats as rosters load; undefined when `settings.schedule` is off. */
  scheduler: Scheduler | undefined
  deliveries: DeliveryProcessor
  /** Serves the webhook endpoint and the admin API (web), and /healthz, /readyz and /metrics (every role). */
  server: Server
  /** The dashboards' live updates; closed on stop (it may hold a database connection of its own). */
  events: EventStream
  /** This replica's Prometheus registry and the counters the parts above move. */
  metrics: Metrics
  /** The quota shared with the other replicas (SPEC §17). */
  quota: QuotaArbiter
  /** Probot's write throttle lanes, one per installation. */
  writeLanes: WriteLanes
  reconcileAll(): Promise<ReconcileResult[]>
  /**
   * The periodic heal, for this process's role: a web process asks GitHub for failed
   * deliveries and prunes old records; a worker prunes old workspaces and releases expired
   * leases; both heal the mirror from GitHub (each keeps its rosters in memory).
   */
  sweep(): Promise<void>
  /** What this replica runs (GAFFER_PROCESS). */
  processRole: ProcessRole
  /** Wakes the agents a `web` process asked for in Postgres. */
  pollWakes(): Promise<void>
  /** Asks the model's judgment of items whose text changed (SPEC §17); undefined without a model, with the rehearsal model, or in a `web` process. */
  priorityJudge: PriorityJudge | undefined
  /** Sends recorded notifications to GAFFER_NOTIFY's channels (every role runs it). */
  notifier: Notifier
}

/**
 * Builds every part of one replica from its options, in dependency order. The only I/O is
 * reading the shipped org from `agents/`, which the rosters cannot be built without.
 */
export async function wireGaffer(options: GafferOptions): Promise<WiredGaffer> {
  const { pool, log } = options
  const settings = { ...defaultSettings, ...options.settings }
  const processRole = options.processRole ?? 'all'
  const now = options.now ?? (() => new Date())
  const cliRuntimes = Object.keys(options.cli?.runtimes ?? {})
  const shipped = await loadRosterDir(options.agentsDir ?? shippedAgentsDir, { runtimes: cliRuntimes })
  if (!shipped.roster) {
    const which = options.agentsDir === undefined ? 'the shipped org in agents/' : `the org in ${options.agentsDir} (GAFFER_AGENTS_DIR)`
    throw new Error(`${which} is invalid:\n${formatProblems(shipped.problems)}`)
  }

  const modelConcurrent = options.parallel?.modelMaxParallel ?? DEFAULT_MODEL_MAX_PARALLEL
  // One setting for the model's concurrent calls: the shared bucket's limit and this process's cap (work slots).
  const quota = createQuotaArbiter({
    pool,
    log,
    settings: { ...settings.quota, model: { ...settings.quota.model, concurrent: modelConcurrent } },
  })
  const metrics = createMetrics({ pool, log, quota })
  const identity = createAppIdentity()
  const lanes = writeLanes(settings.writeSpacingMs)
  const probot = new Probot({
    appId: options.app.appId,
    privateKey: options.app.privateKey,
    secret: options.app.webhookSecret,
    baseUrl: options.githubApiUrl,
    log,
    Octokit: observeRequests(
      withWriteSpacing(options.Octokit ?? ProbotOctokit, lanes),
      (request) => {
        metrics.githubRequest(request)
        identity.observe(request)
      },
      createGithubQuota({ pool, log, arbiter: quota, onLimited: (installation) => metrics.githubRateLimited(installation) }),
    ),
  })
  const botLogin = () => identity.botLogin()
  const octokitFor = async (repository: string) => {
    const installed = await getRepository(pool, repository)
    if (!installed) throw new Error(`${repository} is not installed`)
    return probot.auth(installed.installation_id)
  }
  const etags = createEtagCache()
  const rosters = createRosterRegistry({ pool, log, shipped: shipped.roster, runtimes: cliRuntimes })
  const { wake, routeTo } = createWakeRouter()
  const permissionOf = createPermissionCache()
  // Each repository's .github/gaffer.yml over the environment's values (SPEC §15).
  const repositorySettings = createSettingsRegistry({
    pool,
    log,
    fallback: fallbackSettings({ owners: options.owners, approvers: options.approvers, fuses: options.fuses, commentAccess: options.commentAccess }),
    ...(options.notify ? { channels: Object.keys(options.notify.channels) } : {}),
  })
  const modelBreaker =
    options.model && hasModel(options.model)
      ? createModelBreaker({
          pool,
          log,
          now,
          settings: settings.modelBreaker,
          probeModel: options.model.defaultModel,
          model: createModelClient(
            {
              apiKey: options.model.apiKey,
              baseUrl: options.model.baseUrl,
              timeoutMs: options.model.timeoutMs ?? 120_000,
              maxRetries: options.model.maxRetries ?? 3,
            },
            // A call holds its concurrent place at most as long as it can last, with every retry.
            createModelQuota({ pool, arbiter: quota, holdMs: (options.model.timeoutMs ?? 120_000) * ((options.model.maxRetries ?? 3) + 1) + 60_000 }),
          ),
        })
      : undefined
  const rehearsal = options.model?.rehearsal === true
  // Every log line of a rehearsal run says so (SPEC §16): the runtime's logger names the model.
  const runtimeLog = rehearsal ? log.child({ model: REHEARSAL_NAME }) : log
  const runtime: RuntimeDeps | undefined =
    options.model && modelBreaker
      ? {
          pool,
          log: runtimeLog,
          rehearsal,
          rosters,
          model: modelBreaker.client,
          defaultModel: options.model.defaultModel,
          prices: options.prices ?? defaultPrices,
          settings: repositorySettings,
          permissionOf,
          botLogin,
          now,
          wake,
          maxIdenticalFailures: 3,
          metrics,
          leaseMs: settings.leaseMs,
        }
      : undefined
  // What every work step needs, whichever runs an agent's items.
  const workDeps = { pool, log, rosters, settings: repositorySettings, permissionOf, now, wake, botLogin, leaseMs: settings.leaseMs }
  const chatWork = runtime ? createAgentRuntime(runtime) : createWorkWithoutModel({ ...workDeps, metrics })
  const cli = options.cli
  // A web process runs no work: it neither builds the CLI work step nor warns about its sandbox.
  const cliWork =
    cli && cliRuntimes.length > 0 && processRole !== 'web'
      ? createCliWork({
          ...workDeps,
          prices: options.prices ?? defaultPrices,
          maxIdenticalFailures: 3,
          hostEnv: process.env,
          workspace: cli.workspace ?? workspaceOps,
          metrics,
          ...cli,
        })
      : undefined
  if (cli && cliWork) warnAboutSandbox(log, cli.sandbox)
  const work: WorkHook = options.work ?? ((context) => (cliWork && context.agent.runtime !== 'chat' ? cliWork : chatWork)(context))
  const escalations =
    options.escalations ??
    createEscalationHandler({
      pool,
      log: runtime?.log ?? log,
      rosters,
      settings: repositorySettings,
      wake,
      botLogin,
      metrics,
      ...(runtime ? { runtime } : {}),
    })
  const model = { name: rehearsal ? REHEARSAL_NAME : runtime ? runtime.defaultModel : null, rehearsal }
  // The rehearsal model plays agents, not a triage judge: its items keep the formula (docs/decisions.md).
  const priorityJudge =
    runtime && !rehearsal && processRole !== 'web'
      ? createPriorityJudge({
          pool,
          log,
          model: runtime.model,
          modelName: runtime.defaultModel,
          prices: runtime.prices,
          rosters,
          settings: repositorySettings,
          now,
          metrics,
          cooldownMs: settings.priorityCooldownMs,
        })
      : undefined
  const prices = options.prices ?? defaultPrices
  const slots = createWorkSlots({
    maxParallel: options.parallel?.maxParallel ?? defaultMaxParallel(cliRuntimes.length > 0),
    modelMaxParallel: modelConcurrent,
  })
  // The model an agent's work uses: its own or the default for chat, the runtime's for a CLI (or the runtime itself).
  const modelOf = (agent: Agent) =>
    agent.runtime === 'chat' ? (agent.model ?? options.model?.defaultModel ?? 'chat') : (cli?.runtimes[agent.runtime]?.model ?? agent.runtime)
  const reserveFor = (agent: Agent) => {
    const runtimeSpec = agent.runtime === 'chat' ? undefined : cli?.runtimes[agent.runtime]
    const model = modelOf(agent)
    return runReservation({
      runTokens: agent.budget.runTokens,
      price: Object.hasOwn(prices, model) ? prices[model] : undefined,
      ...(runtimeSpec && cli ? { cli: { timeoutMinutes: runtimeSpec.timeoutMinutes, usdPerMinute: cli.usdPerMinute } } : {}),
    })
  }
  const heartbeats = createHeartbeats({
    pool,
    slots,
    modelOf,
    reserveFor,
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
    // Without the shared quota no claim waits for it, so none is given back for better work.
    betterWorkCheckMs: settings.quota.enabled ? settings.quota.pollMs : undefined,
    wakeDebounceMs: settings.wakeDebounceMs,
    drainBacklog: settings.wakes,
    now,
    wake,
    settings: repositorySettings,
    botLogin,
    metrics,
    ...(modelBreaker ? { modelPaused: modelBreaker.pausedReason } : {}),
  })
  // A web process runs no heartbeats: its wakes wait in Postgres for a worker (docs/decisions.md).
  const askWorker = (repository: string, agent: string) =>
    void requestWake(pool, repository, agent).catch((error: unknown) =>
      log.error({ err: error, repository, agent }, 'could not ask a worker to wake'),
    )
  if (settings.wakes) routeTo(processRole === 'web' ? askWorker : (repository, agent) => heartbeats.wake(repository, agent))
  const scheduler = settings.schedule && processRole !== 'web' ? createScheduler({ pool, log, fire: heartbeats.run }) : undefined
  if (scheduler) rosters.watch((repository, roster) => scheduler.sync(repository, roster))

  const mirror: MirrorDeps & { settings: SettingsRegistry } = {
    pool,
    log,
    rosters,
    settings: repositorySettings,
    now,
    wake,
    botLogin,
    permissionOf,
    outsiderPulls: options.outsiderPulls ?? 'hold',
    metrics,
  }
  const app = gafferApp({ ...mirror, permissionOf })
  const deliveries = createDeliveryProcessor({ probot, pool, log, metrics, spoolDir: options.spoolDir, leaseSeconds: settings.deliveryLeaseSeconds })
  const intakeSweep = createIntakeSweep({
    appOctokit: { request: async (...args: Parameters<Octokit['request']>) => (await probot.auth()).request(...args) } as Pick<Octokit, 'request'>,
    pool,
    log,
    retention: options.retention,
  })
  const webUrl = githubWebUrl(options.githubApiUrl)
  const notifier = createNotifier({
    pool,
    log,
    channels: options.notify?.channels ?? {},
    links: { githubWebUrl: webUrl, publicUrl: options.notify?.publicUrl },
    settings: settings.notify,
    now,
    metrics,
  })
  const events = createEventStream({ log, listen: (onChange, onLost) => listenForChanges(pool, onChange, onLost) })
  const server = createHttpServer({
    log,
    adminToken: options.adminToken,
    readiness: createReadiness({ pool, log, identity }),
    metrics,
    operationsOnly: processRole === 'worker',
    webhook: createWebhookEndpoint({
      probot,
      pool,
      log,
      metrics,
      process: deliveries.process,
      spoolDir: options.spoolDir,
      leaseSeconds: settings.deliveryLeaseSeconds,
      maxPayloadBytes: options.webhookMaxBytes,
      bodyDeadlineMs: options.webhookBodyDeadlineMs,
    }),
    state: () => readState(pool, rosters, model, { githubWebUrl: webUrl }),
    item: (repository, number) =>
      readItemPage({ pool, log, comments: async (item) => listItemComments(etags, await octokitFor(item.repository), item) }, repository, number),
    transcript: (kind, id) => (kind === 'chat' ? getChatTranscript(pool, id) : getCliTranscript(pool, id)),
    audit: async (filter) => ({ rows: await listAudit(pool, filter), ...(await auditVocabulary(pool)) }),
    events,
    sandboxConsole: options.sandboxConsole,
    now,
    wake: async (agent, repository) => {
      const target = repository ?? (await onlyRepository(pool))
      if (!rosters.get(target).get(agent)) return undefined
      if (processRole === 'web') {
        await requestWake(pool, target, agent)
        return { outcome: 'queued for a worker', items: 0, githubRequests: 0 }
      }
      return heartbeats.runNow(target, agent)
    },
  })

  // The sweep spends quota last (SPEC §17).
  const reconcileAll = () => withQuotaPriority({ lane: 'sweep' }, () => reconcileInstallations({ probot, mirror, etags }))
  async function sweep(): Promise<void> {
    if (processRole !== 'worker') await intakeSweep()
    if (processRole !== 'web') {
      if (options.cli) {
        const pruned = await pruneWorkspaces(options.cli.home, now()).catch(
          (error: unknown) => (log.error({ err: error }, 'could not prune workspaces'), []),
        )
        if (pruned.length > 0) log.info({ workspaces: pruned.length }, 'pruned failed workspaces older than a day')
      }
      await releaseExpired(
        {
          pool,
          log,
          octokitFor,
          maxAttempts: settings.maxAttempts,
          rosters,
          settings: repositorySettings,
          wake,
          botLogin,
          leaseMs: settings.leaseMs,
          metrics,
        },
        { closeRuns: true },
      )
    }
    await reconcileAndLog()
  }
  async function reconcileAndLog(): Promise<void> {
    const results = await reconcileAll()
    log.info({ repositories: results.length, githubRequests: results.reduce((sum, r) => sum + (r.githubRequests ?? 0), 0) }, 'sweep finished')
  }

  async function pollWakes(): Promise<void> {
    for (const { repository, agent } of await takeWakeRequests(pool)) heartbeats.wake(repository, agent)
  }

  return {
    processRole,
    pollWakes,
    priorityJudge,
    notifier,
    pool,
    log,
    settings,
    githubApiUrl: options.githubApiUrl,
    probot,
    identity,
    app,
    rosters,
    heartbeats,
    modelBreaker,
    scheduler,
    deliveries,
    server,
    events,
    metrics,
    quota,
    writeLanes: lanes,
    reconcileAll,
    sweep,
  }
}

/** CLI runs outside bubblewrap see the host's whole disk: say so once at start (SPEC §14). */
function warnAboutSandbox(log: Logger, sandbox: 'auto' | 'none'): void {
  if (sandbox === 'none')
    log.warn("GAFFER_SANDBOX=none: CLI runtimes run without bubblewrap and can read the whole host, Gaffer's own secrets included")
  else if (!findProgram('bwrap', process.env.PATH))
    log.warn('bubblewrap (bwrap) is not installed: CLI runtimes run without a sandbox; install it, e.g. apt-get install bubblewrap')
}

/** The admin API's wake may leave out the repository only when the app serves exactly one. */
async function onlyRepository(pool: Pool): Promise<string> {
  const names = await listActiveRepositoryNames(pool)
  if (names.length !== 1) {
    throw new Error(`name the repository (?repository=owner/name): this app serves ${names.join(', ') || 'none'}`)
  }
  return names[0]!
}
