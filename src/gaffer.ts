import type { Server } from 'node:http'
import type { WriteLanes } from './github/with-write-spacing.ts'
import type { QuotaArbiter } from './quota/quota-arbiter.ts'
import type { AddressInfo } from 'node:net'
import type { Probot } from 'probot'
import type { GafferOptions } from './gaffer-options.ts'
import type { Heartbeats } from './heartbeat/heartbeats.ts'
import type { ModelBreaker } from './llm/model-breaker.ts'
import type { ReconcileResult } from './mirror/reconcile-repository.ts'
import { migrate } from './store/migrate.ts'
import type { DeliveryProcessor } from './web/delivery-processor.ts'
import { wireGaffer, type WiredGaffer } from './wire-gaffer.ts'
import type { Notifier } from './notify/notifier.ts'
import type { PriorityJudge } from './priority/judge-priorities.ts'

export type Gaffer = {
  url: string
  probot: Probot
  deliveries: DeliveryProcessor
  heartbeats: Heartbeats
  /** The global model breaker; undefined without a model. */
  modelBreaker: ModelBreaker | undefined
  /** The quota shared with the other replicas, and Probot's write lanes (one per installation). */
  quota: QuotaArbiter
  writeLanes: WriteLanes
  /** Sends recorded notifications; its rounds run on a timer, and a test may run one. */
  notifier: Notifier
  scheduledTasks(): string[]
  reconcileAll(): Promise<ReconcileResult[]>
  /** One pass of the priority judge (its timer runs it too); undefined where no judge runs. */
  judgePriorities: PriorityJudge['judgeDue'] | undefined
  stop(): Promise<void>
}

/** Starts one app replica: wires its parts, then starts them (see `startWiredGaffer`). */
export async function startGaffer(options: GafferOptions): Promise<Gaffer> {
  return startWiredGaffer(await wireGaffer(options), { port: options.port, host: options.host ?? '0.0.0.0' })
}

/**
 * Starts a wired replica: migrations, the app's identity on GitHub, the HTTP server, then
 * what its process role runs. `web` (and `all`): the webhook handlers, the delivery sweep.
 * `worker` (and `all`): cron heartbeats (registered as rosters load), the reconcile sweep,
 * the model probe and the poll for wakes a `web` process asked for. A worker's server
 * answers only /healthz, /readyz and /metrics (docs/operations.md).
 */
export async function startWiredGaffer(wired: WiredGaffer, address: { port: number; host: string }): Promise<Gaffer> {
  const { pool, log, settings, probot, deliveries, server, heartbeats, scheduler, modelBreaker, processRole, priorityJudge } = wired
  const web = processRole !== 'worker'
  const worker = processRole !== 'web'
  await migrate(pool)
  const slug = await wired.identity.authenticate(await probot.auth())
  log.info({ app: slug, githubApiUrl: wired.githubApiUrl, processRole }, 'authenticated as the GitHub App')
  if (web) await probot.load(wired.app)
  await listen(server, address.port, address.host)
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  if (web) {
    // A sweep that fails (the database away again, an unreadable spool) is retried by the
    // timer; failing the start for it would keep the replica down for good.
    await deliveries.sweep().catch((error: unknown) => log.error({ err: error }, 'webhook sweep at start failed; it is retried every sweep'))
  }
  await wired.sweep()
  const every = (ms: number, task: () => Promise<unknown>, failure: string) =>
    setInterval(() => task().catch((error: unknown) => log.error({ err: error }, failure)), ms)
  const timers = [
    ...(web ? [every(settings.deliverySweepIntervalMs, () => deliveries.sweep(), 'webhook sweep failed')] : []),
    every(settings.sweepIntervalMs, wired.sweep, 'reconcile sweep failed'),
    // Every role sends notifications: whichever process recorded one, any replica may send it.
    every(wired.notifier.intervalMs, () => wired.notifier.deliverDue(), 'could not send notifications'),
    ...(worker
      ? [
          every(settings.wakePollMs, wired.pollWakes, 'could not read the wake requests'),
          ...(priorityJudge ? [every(settings.priorityPollMs, priorityJudge.judgeDue, 'priority judgments failed')] : []),
          ...(modelBreaker ? [every(settings.modelBreaker.probeIntervalMs, () => modelBreaker.probe(), 'model probe failed')] : []),
        ]
      : []),
  ]
  timers.forEach((timer) => timer.unref())
  log.info({ url, processRole, heartbeats: scheduler?.tasks().length ?? 0 }, web ? 'gaffer is listening' : 'gaffer worker is running')

  return {
    url,
    probot,
    deliveries,
    heartbeats,
    modelBreaker,
    quota: wired.quota,
    writeLanes: wired.writeLanes,
    notifier: wired.notifier,
    scheduledTasks: () => scheduler?.tasks() ?? [],
    reconcileAll: wired.reconcileAll,
    judgePriorities: priorityJudge?.judgeDue,
    async stop() {
      timers.forEach((timer) => clearInterval(timer))
      await scheduler?.stop()
      await wired.events.close()
      await wired.notifier.stop()
      await priorityJudge?.stop()
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      server.closeAllConnections()
      await closed
      await heartbeats.stop(settings.stopGraceMs)
      // A delivery still running after the grace is left to its lease: once the lease
      // lapses another replica's sweep, or this one's next start, runs it again.
      if (!(await finishesWithin(deliveries.idle(), settings.stopGraceMs))) {
        log.warn(
          { graceMs: settings.stopGraceMs },
          'stopped with webhook deliveries still running; their leases will lapse and they will be run again',
        )
      }
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

/** Whether `work` settles within `ms`; the wait never keeps the process alive. */
async function finishesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms)
    timer.unref()
  })
  try {
    return await Promise.race([work.then(() => true), timeout])
  } finally {
    clearTimeout(timer)
  }
}
