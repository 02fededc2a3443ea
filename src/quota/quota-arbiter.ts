import { randomUUID } from 'node:crypto'
import { quotaRank, quotaReserve, type QuotaPriority } from '../company/quota-rank.ts'
import type { Logger } from '../log.ts'
import type { Pool } from '../store/pool.ts'
import { dropQuotaWaiter, pauseQuota, releaseQuotaHold, settleQuotaSpends, takeQuota, type BucketSpend } from '../store/quota-buckets.ts'
import { currentQuotaPriority, currentQuotaWatch } from './quota-priority.ts'
import type { QuotaSettings } from './quota-settings.ts'

/**
 * A granted ask; `release` gives back its concurrent holds (a no-op for other buckets);
 * `settle` stamps its pending window spends with the answer's time, or gives them back
 * when the request was not carried out (a no-op for an ask without pending spends).
 */
export type QuotaGrant = { holder: string; release(): Promise<void>; settle(sent: boolean): Promise<void> }

export type QuotaArbiter = {
  settings: QuotaSettings
  /**
   * Waits until every bucket of `specs` can spend, in rank order across replicas, then
   * spends. `priority` defaults to the work's (withQuotaPriority). Rejects with the
   * signal's reason if `signal` aborts first, or the work's watch's while it waits.
   */
  ask(request: { specs: readonly BucketSpend[]; priority?: QuotaPriority; signal?: AbortSignal; holdMs?: number }): Promise<QuotaGrant>
  /** Pauses buckets for every replica until `until`. */
  pause(specs: readonly Omit<BucketSpend, 'cost'>[], until: Date, reason: string): Promise<void>
  /** Until when this process knows `key` to be paused (from its own asks and pauses), so reads wait without asking Postgres. */
  pausedUntil(key: string): number | undefined
  /** Asks of this process waiting now, by lane. */
  waiting(): Record<QuotaPriority['lane'], number>
}

/**
 * The shared quota of SPEC §17 over Postgres (`quota_take`): every replica asks the same
 * rows, so a budget one spends is gone for the others, a waiter ranked better on any
 * replica goes first, and a pause reaches everyone. A waiting ask asks again when the
 * answer says quota returns, and at least every `pollMs` (its waiter row lapses after
 * three). If Postgres cannot answer, the ask goes through: Probot's throttle and
 * GitHub's own answers still hold, and work must not stop because a bookkeeping query failed.
 */
export function createQuotaArbiter(deps: { pool: Pool; log: Logger; settings: QuotaSettings; now?: () => number }): QuotaArbiter {
  const { pool, log, settings } = deps
  const now = deps.now ?? Date.now
  const paused = new Map<string, number>()
  const waiting = { urgent: 0, heartbeat: 0, sweep: 0 }
  const notePause = (key: string, until: number) => paused.set(key, Math.max(paused.get(key) ?? 0, until))
  // First answers come back in the order the asks were made, so requests granted at once
  // reach Probot's throttle in the order the work made them (a heartbeat's best item first).
  let turn: Promise<unknown> = Promise.resolve()
  const inTurn = <T>(answer: () => Promise<T>): Promise<T> => {
    const next = turn.then(answer)
    turn = next.catch(() => undefined)
    return next
  }

  async function ask(request: {
    specs: readonly BucketSpend[]
    priority?: QuotaPriority
    signal?: AbortSignal
    holdMs?: number
  }): Promise<QuotaGrant> {
    const priority = request.priority ?? currentQuotaPriority()
    // A claimed item's work is told how many of its asks wait, and its heartbeat can call them off.
    const watch = currentQuotaWatch()
    const signal = watch && request.signal ? AbortSignal.any([request.signal, watch.signal]) : (watch?.signal ?? request.signal)
    const holder = randomUUID()
    const grant: QuotaGrant = {
      holder,
      release: async () => {
        for (const spec of request.specs)
          if (spec.kind === 'concurrent') await releaseQuotaHold(pool, spec.key, holder).catch((error: unknown) => logFailure(error, 'release'))
      },
      settle: async (sent) => {
        if (!settings.enabled || !request.specs.some((spec) => spec.pendingMs !== undefined)) return
        await settleQuotaSpends(pool, holder, sent).catch((error: unknown) => logFailure(error, 'settle'))
      },
    }
    if (!settings.enabled || request.specs.length === 0) return grant
    const take = {
      specs: request.specs,
      waiter: holder,
      rank: quotaRank(priority),
      reserve: quotaReserve(priority),
      holdMs: request.holdMs ?? 10 * 60_000,
      waiterMs: settings.pollMs * 3,
    }
    let counted = false
    try {
      for (let attempt = 0; ; attempt += 1) {
        signal?.throwIfAborted()
        const asking = takeQuota(pool, take).catch((error: unknown) => (logFailure(error, 'take'), { granted: true as const }))
        const answer = attempt === 0 ? await inTurn(() => asking) : await asking
        if (answer.granted) return grant
        if (!counted) {
          counted = true
          waiting[priority.lane] += 1
          if (watch) watch.waiting += 1
        }
        const retryAt = answer.retryAt?.getTime() ?? now() + settings.pollMs
        await sleep(Math.min(Math.max(retryAt - now(), 10), settings.pollMs), signal)
      }
    } catch (error) {
      await dropQuotaWaiter(pool, holder).catch(() => {})
      throw error
    } finally {
      if (counted) {
        waiting[priority.lane] -= 1
        if (watch) watch.waiting -= 1
      }
    }
  }

  function logFailure(error: unknown, what: string): void {
    log.warn({ err: error }, `could not ${what} shared quota; going ahead without it`)
  }

  return {
    settings,
    ask,
    async pause(specs, until, reason) {
      for (const spec of specs) notePause(spec.key, until.getTime())
      log.warn({ buckets: specs.map((spec) => spec.key), until: until.toISOString(), reason }, 'quota paused for every replica')
      if (settings.enabled) await pauseQuota(pool, specs, until, reason).catch((error: unknown) => logFailure(error, 'pause'))
    },
    pausedUntil(key) {
      const until = paused.get(key)
      return until !== undefined && until > now() ? until : undefined
    },
    waiting: () => ({ ...waiting }),
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal!.reason)
    }
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
