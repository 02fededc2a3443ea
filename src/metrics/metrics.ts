import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client'
import type { QuotaArbiter } from '../quota/quota-arbiter.ts'
import { listQuotaBuckets } from '../store/quota-buckets.ts'
import type { GateDecision } from '../company/quality-gate.ts'
import type { ObservedRequest } from '../github/observe-requests.ts'
import type { Logger } from '../log.ts'
import type { RunOutcome } from '../store/heartbeat-runs.ts'
import type { Pool } from '../store/pool.ts'
import { countOpenItems } from '../store/work-items.ts'

/** What the webhook endpoint answered a request: recorded (`accepted`), a replay, kept in the spool, or refused. */
export type IntakeOutcome = 'accepted' | 'duplicate' | 'spooled' | 'rejected'
/** What running a recorded delivery came to: handled, failed (retried later), or failed for the last time. */
export type ProcessingOutcome = 'processed' | 'failed' | 'dead'
/** What put an item in front of a manager or the humans (SPEC §6): its owner, a person's `/reject`, spent attempts, or a manager passing it up. */
export type EscalationStep = 'block' | 'reject' | 'attempts_exhausted' | 'escalate'

/** The `event` label of a request refused before its signature was checked: its headers are anyone's to choose. */
export const UNVERIFIED_EVENT = 'unverified'

/**
 * One replica's Prometheus metrics (`GET /metrics`). The parts that do something call
 * the method for it; the queue depth is read from Postgres at each scrape, so it is the
 * whole fleet's and survives restarts. Each replica has its own registry (tests run
 * several replicas in one process), never prom-client's global one.
 */
export type Metrics = {
  webhookReceived(event: string, outcome: IntakeOutcome): void
  webhookProcessed(event: string, outcome: ProcessingOutcome): void
  heartbeatRun(run: { repository: string; agent: string; outcome: RunOutcome; tokens: number; costUsd: number }): void
  claim(repository: string, agent: string): void
  /** `paused`: refused without a call, the global model breaker being open. */
  modelCall(call: { repository: string; agent: string; model: string; outcome: 'ok' | 'failed' | 'paused' }): void
  githubRequest(request: ObservedRequest): void
  /** GitHub refused a request for a rate limit (it is sent again once the pause ends). */
  githubRateLimited(installation: string): void
  gateDecision(repository: string, conclusion: GateDecision['conclusion']): void
  escalation(repository: string, step: EscalationStep, to: string): void
  /** One send of a notification (SPEC §15): delivered, failed (tried again later), or failed for the last time. */
  notification(channel: string, event: string, outcome: 'sent' | 'failed' | 'gave_up'): void
  /** The text exposition of every metric, with the gauges read now. */
  render(): Promise<string>
  contentType: string
}

export function createMetrics(deps: { pool: Pool; log: Logger; quota?: Pick<QuotaArbiter, 'waiting'> }): Metrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'gaffer_' })
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
    new Counter<L>({ name: `gaffer_${name}`, help, labelNames, registers: [registry] })

  const received = counter('webhook_deliveries_total', 'Webhook requests answered, by event and outcome (accepted, duplicate, spooled, rejected).', [
    'event',
    'outcome',
  ])
  const processed = counter(
    'webhook_processing_total',
    'Recorded webhook deliveries run through the handlers, by event and outcome (processed, failed, dead).',
    ['event', 'outcome'],
  )
  const runs = counter('heartbeat_runs_total', 'Heartbeat runs finished on this replica, by repository, agent and outcome.', [
    'repository',
    'agent',
    'outcome',
  ])
  const claims = counter('claims_total', 'Items claimed by a heartbeat, by repository and agent.', ['repository', 'agent'])
  const modelCalls = counter('model_calls_total', 'Chat Completions calls of the model loop, by repository, agent, model and outcome.', [
    'repository',
    'agent',
    'model',
    'outcome',
  ])
  const tokens = counter('model_tokens_total', 'Tokens spent by heartbeat runs (chat and CLI runtimes), by repository and agent.', [
    'repository',
    'agent',
  ])
  const cost = counter('model_cost_usd_total', 'Model spend of heartbeat runs in USD (chat and CLI runtimes), by repository and agent.', [
    'repository',
    'agent',
  ])
  const githubRequests = counter(
    'github_requests_total',
    'GitHub API requests, by installation ("app" when authenticated as the app) and kind (read, write, content: a write that creates content GitHub notifies about).',
    ['installation', 'kind'],
  )
  const rateLimit = new Gauge({
    name: 'gaffer_github_rate_limit_remaining',
    help: 'X-RateLimit-Remaining of the latest GitHub response, by installation and rate-limit resource.',
    labelNames: ['installation', 'resource'] as const,
    registers: [registry],
  })
  const notModified = counter(
    'github_not_modified_total',
    'Conditional GitHub reads answered 304 Not Modified, by installation: free, they spend no rate limit (also in github_requests_total).',
    ['installation'],
  )
  const limited = counter(
    'github_rate_limited_total',
    'GitHub answers that refused a request for a rate limit (403/429 with retry-after, a secondary limit, or no quota left), by installation.',
    ['installation'],
  )
  new Gauge({
    name: 'gaffer_quota_remaining',
    help: 'What is left now of each shared quota bucket (all replicas): GitHub primary and content limits per installation, model limits per model.',
    labelNames: ['bucket'] as const,
    registers: [registry],
    async collect() {
      this.reset()
      try {
        for (const row of await listQuotaBuckets(deps.pool)) this.set({ bucket: row.key }, row.remaining)
      } catch (error) {
        deps.log.warn({ err: error }, 'could not read quota buckets for /metrics')
      }
    },
  })
  new Gauge({
    name: 'gaffer_quota_waiting',
    help: "Asks of this replica waiting for shared quota now, by lane (urgent: people's actions and p0; heartbeat; sweep).",
    labelNames: ['lane'] as const,
    registers: [registry],
    collect() {
      for (const [lane, count] of Object.entries(deps.quota?.waiting() ?? {})) this.set({ lane }, count)
    },
  })
  const gate = counter('gate_decisions_total', 'Quality gate check runs posted, by repository and conclusion (success, failure, pending).', [
    'repository',
    'conclusion',
  ])
  const escalations = counter(
    'escalations_total',
    'Items put before a manager or the humans, by repository, step and whom it went to (an agent or "humans").',
    ['repository', 'step', 'to'],
  )
  const notifications = counter(
    'notifications_total',
    'Notification sends to GAFFER_NOTIFY channels, by channel, event and outcome (sent, failed, gave_up).',
    ['channel', 'event', 'outcome'],
  )
  new Gauge({
    name: 'gaffer_items',
    help: 'Open issues and pull requests in the mirror (the queue), by repository, kind and status ("none" without a status label).',
    labelNames: ['repository', 'kind', 'status'] as const,
    registers: [registry],
    async collect() {
      this.reset()
      try {
        for (const row of await countOpenItems(deps.pool))
          this.set({ repository: row.repository, kind: row.kind, status: row.status ?? 'none' }, row.count)
      } catch (error) {
        // The rest of the scrape still says something; /readyz names the database.
        deps.log.warn({ err: error }, 'could not count open items for /metrics')
      }
    },
  })

  return {
    webhookReceived: (event, outcome) => received.inc({ event, outcome }),
    webhookProcessed: (event, outcome) => processed.inc({ event, outcome }),
    heartbeatRun({ repository, agent, outcome, tokens: spent, costUsd }) {
      runs.inc({ repository, agent, outcome })
      tokens.inc({ repository, agent }, spent)
      cost.inc({ repository, agent }, costUsd)
    },
    claim: (repository, agent) => claims.inc({ repository, agent }),
    modelCall: ({ repository, agent, model, outcome }) => modelCalls.inc({ repository, agent, model, outcome }),
    githubRequest({ installation, kind, rateLimit: limit, status }) {
      githubRequests.inc({ installation, kind })
      if (status === 304) notModified.inc({ installation })
      if (limit) rateLimit.set({ installation, resource: limit.resource }, limit.remaining)
    },
    githubRateLimited: (installation) => limited.inc({ installation }),
    gateDecision: (repository, conclusion) => gate.inc({ repository, conclusion }),
    escalation: (repository, step, to) => escalations.inc({ repository, step, to }),
    notification: (channel, event, outcome) => notifications.inc({ channel, event, outcome }),
    render: () => registry.metrics(),
    contentType: registry.contentType,
  }
}
