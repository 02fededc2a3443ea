import path from 'node:path'
import { defaultQuotaSettings, type QuotaSettings } from './quota/quota-settings.ts'
import type { ProbotOctokit } from 'probot'
import type { Config, GitHubAppCredentials, ProcessRole } from './config/env.ts'
import type { Fuses } from './company/fuses.ts'
import type { EscalationHook, WorkHook } from './heartbeat/heartbeat.ts'
import type { Logger } from './log.ts'
import type { Price } from './llm/prices.ts'
import type { Pool } from './store/pool.ts'
import { defaultBreakerSettings, type BreakerSettings } from './llm/model-breaker-rules.ts'
import type { OutsiderPulls } from './company/outsider-pull.ts'
import type { Retention } from './store/retention.ts'
import type { CliRuntimes } from './config/runtimes.ts'
import type { WorkspaceOps } from './runtime/cli/workspace-ops.ts'
import type { CheckoutSettings } from './workspace/prepare-workspace.ts'
import { RECEIVE_LEASE_SECONDS } from './web/webhook-endpoint.ts'
import type { SandboxConsole } from './web/sandbox-console.ts'
import { defaultNotifySettings, type NotifySettings } from './notify/notifier.ts'

export type GafferSettings = {
  /** A claim's lease; renewed while work runs, released back to todo when it lapses. */
  leaseMs: number
  maxAttempts: number
  wakeDebounceMs: number
  /** The periodic heal of the mirror from GitHub (and of expired leases and priorities). */
  sweepIntervalMs: number
  /** How often recorded-but-unfinished webhook deliveries are retried. */
  deliverySweepIntervalMs: number
  /** How long a replica owns a delivery it is processing (renewed at a third of it); the sweep takes over one whose lease lapsed. */
  deliveryLeaseSeconds: number
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
  /** How often a worker looks for wakes a `web` process asked for in Postgres. */
  wakePollMs: number
  /** The global model breaker: outage-like failures in a row that open it, and how often it probes once open. */
  modelBreaker: BreakerSettings
  /** The quota shared by the replicas (SPEC §17); the model's concurrent limit comes from `parallel.modelMaxParallel`. */
  quota: QuotaSettings
  /** How often a worker looks for items whose text changed and asks the model's judgment of their priority. */
  priorityPollMs: number
  /**
   * The least time between two judgments of one item: each edit of a text would otherwise be
   * a model call paid by the CEO. Edits meanwhile are judged once it ends, on the latest text.
   */
  priorityCooldownMs: number
  /** The notification sender's round, its retries and its patience with a receiver. */
  notify: NotifySettings
}

export const defaultSettings: GafferSettings = {
  // Short, so a crashed replica's items are claimable again within minutes; live work renews it every third.
  leaseMs: 3 * 60_000,
  maxAttempts: 3,
  wakeDebounceMs: 2_000,
  sweepIntervalMs: 10 * 60_000,
  deliverySweepIntervalMs: 30_000,
  deliveryLeaseSeconds: RECEIVE_LEASE_SECONDS,
  heartbeatTimeBudgetMs: 10 * 60_000,
  reconcileLimit: 20,
  stopGraceMs: 20_000,
  writeSpacingMs: 1_000,
  schedule: true,
  wakes: true,
  wakePollMs: 1_000,
  modelBreaker: defaultBreakerSettings,
  quota: defaultQuotaSettings,
  priorityPollMs: 5_000,
  priorityCooldownMs: 30 * 60_000,
  notify: defaultNotifySettings,
}

/** Where agents' models are served (any OpenAI-compatible server) and which one they ask for unless AGENTS.md names another. */
export type ModelOptions = {
  apiKey: string | undefined
  baseUrl: string | undefined
  defaultModel: string
  timeoutMs?: number
  maxRetries?: number
  /** The server is the rehearsal model (src/llm/rehearsal/): every agent asks for it, and what its runs write says so. */
  rehearsal?: boolean
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
  model?: ModelOptions
  prices?: Record<string, Price>
  fuses?: Fuses
  owners?: string[]
  /** People besides writers and owners who may /approve. */
  approvers?: string[]
  commentAccess?: 'writers' | 'everyone'
  /** Pull requests from people without write access: `hold` (default) until a writer labels or assigns them, or `route`. */
  outsiderPulls?: OutsiderPulls
  /** Probot's Octokit class, e.g. with a plugin that measures requests (the benchmarks use one). */
  Octokit?: typeof ProbotOctokit
  /** Operator-defined CLI runtimes (SPEC §14); agents with `runtime: <name>` work through them. */
  cli?: {
    runtimes: CliRuntimes
    sandbox: 'auto' | 'none'
    usdPerMinute: number
    home: string
    /** How workspaces are checked out (git or the Git Data API, where git lives, the free disk they need). */
    checkout?: CheckoutSettings
    workspace?: WorkspaceOps
  }
  /** Replaces the work step (tests drive heartbeats with their own). */
  work?: WorkHook
  escalations?: EscalationHook
  now?: () => Date
  /** Where verified webhooks wait while the database is unreachable (GAFFER_HOME/spool); without it such a webhook gets 503. */
  spoolDir?: string
  webhookMaxBytes?: number
  /** How long a webhook body may take to arrive; BODY_READ_DEADLINE_MS (10 s) unless a test wants it shorter. */
  webhookBodyDeadlineMs?: number
  retention?: Retention
  /** What this replica runs (GAFFER_PROCESS); default `all`. */
  processRole?: ProcessRole
  /** The sandbox's dashboard console (act as the demo people); never set in app mode. */
  sandboxConsole?: SandboxConsole
  /** Items this replica works at once across its agents, and on one model (GAFFER_MAX_PARALLEL, GAFFER_MODEL_MAX_PARALLEL). */
  parallel?: Partial<Config['parallel']>
  /** Where notifications go (GAFFER_NOTIFY) and the dashboard address they link to (GAFFER_PUBLIC_URL); none without it. */
  notify?: Config['notify']
}

/** The parts of GafferOptions that come straight from the environment. */
export function optionsFromConfig(
  config: Config,
): Pick<
  GafferOptions,
  | 'model'
  | 'prices'
  | 'fuses'
  | 'owners'
  | 'approvers'
  | 'commentAccess'
  | 'outsiderPulls'
  | 'adminToken'
  | 'spoolDir'
  | 'webhookMaxBytes'
  | 'retention'
  | 'cli'
  | 'processRole'
  | 'agentsDir'
  | 'parallel'
  | 'settings'
  | 'notify'
> {
  const limits = config.quota
  return {
    settings: {
      writeSpacingMs: limits.writeSpacingMs,
      quota: {
        ...defaultQuotaSettings,
        enabled: limits.enabled,
        github: { ...defaultQuotaSettings.github, contentPerMinute: limits.contentPerMinute, contentPerHour: limits.contentPerHour },
        model: {
          requestsPerMinute: limits.modelRequestsPerMinute,
          tokensPerMinute: limits.modelTokensPerMinute,
          concurrent: config.parallel.modelMaxParallel,
        },
      },
    },
    ...(config.agentsDir !== undefined ? { agentsDir: config.agentsDir } : {}),
    processRole: config.processRole,
    parallel: config.parallel,
    notify: config.notify,
    cli: { ...config.cli, home: config.home },
    model: { apiKey: config.openai.apiKey, baseUrl: config.openai.baseUrl, defaultModel: config.openai.model },
    prices: config.prices,
    fuses: config.fuses,
    owners: config.owners,
    approvers: config.approvers,
    commentAccess: config.commentAccess,
    outsiderPulls: config.outsiderPulls,
    adminToken: config.adminToken,
    spoolDir: path.join(config.home, 'spool'),
    webhookMaxBytes: config.webhookMaxBytes,
    retention: config.retention,
  }
}
