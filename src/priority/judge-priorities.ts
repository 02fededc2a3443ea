import { adjustmentOf } from '../company/priority-judgment.ts'
import type { ModelAdjustment } from '../company/priority.ts'
import { textSignature } from '../company/text-signature.ts'
import type { ModelClient } from '../llm/model-client.ts'
import { costOf, type Price } from '../llm/prices.ts'
import type { Logger } from '../log.ts'
import type { Metrics } from '../metrics/metrics.ts'
import type { RosterRegistry } from '../mirror/roster-registry.ts'
import type { SettingsLookup } from '../config/repository-settings.ts'
import type { Pool } from '../store/pool.ts'
import { refreshItemPriority } from '../store/priorities.ts'
import { cacheJudgment, pruneCachedJudgments } from '../store/priority-cache.ts'
import { claimDueJudgments, isAgentPaused, postponeJudgment, recordJudgment, type DueJudgment } from '../store/priority-judgments.ts'
import { askPriorityModel } from './ask-priority-model.ts'
import { cachedJudgment, JUDGMENT_TTL_MS } from './cached-judgment.ts'
import { chargeSpend } from '../runtime/charge-spend.ts'
import { cleanOutput } from '../runtime/output-hygiene.ts'

/** Items leased at once; judged one at a time. */
const CLAIM_BATCH = 10

export type PriorityJudgeDeps = {
  pool: Pool
  log: Logger
  /** The model client agents use (behind the global model breaker). */
  model: ModelClient
  modelName: string
  prices: Record<string, Price>
  rosters: RosterRegistry
  /** Each repository's settings: which notification channels and events it chose. */
  settings: SettingsLookup
  now: () => Date
  metrics?: Metrics | undefined
  /** How long one model call may take; a batch's lease is one such wait per item, plus 30 s. */
  timeoutMs?: number
  /** How long an item waits after the model could not be reached. */
  retryMs?: number
  /** The least time between two judgments of one item (`settings.priorityCooldownMs`). */
  cooldownMs?: number
}

/** What one pass did: judgments taken from the cache, asked of the model, items left to the formula, and postponed. */
export type JudgeTally = { cached: number; asked: number; formula: number; postponed: number }

export type PriorityJudge = {
  /** Judges every item due now (created, or its title or body edited), one at a time, so each fills the cache for the next. */
  judgeDue(): Promise<JudgeTally>
  /** Aborts the model call under way, hands its item back to any replica, and waits for the pass to end. */
  stop(): Promise<void>
}

/**
 * The model's part of an item's priority (SPEC §17), off the webhook's path: handlers only
 * mirror the text, and this pass, run by a worker's timer, picks up what changed. Each
 * text is looked up in the semantic cache first; only a text unlike any judged in the last
 * 30 minutes costs a model call, charged to the repository's CEO, whose month pays for
 * triage. A paused CEO or an answer that does not fit keeps the formula; a model that
 * cannot be reached leaves the item due for later.
 */
export function createPriorityJudge(deps: PriorityJudgeDeps): PriorityJudge {
  const timeoutMs = deps.timeoutMs ?? 60_000
  const retryMs = deps.retryMs ?? 5 * 60_000
  const cooldownMs = deps.cooldownMs ?? 30 * 60_000
  const stopping = new AbortController()

  async function judgeOne(item: DueJudgment, tally: JudgeTally): Promise<void> {
    const log = deps.log.child({ repository: item.repository, number: item.number })
    const signature = textSignature(item.title, item.body)
    const cached = await cachedJudgment(deps.pool, { repository: item.repository, model: deps.modelName }, signature, deps.now())
    if (cached) {
      tally.cached += 1
      log.debug({ adjustment: cached.adjustment }, 'priority judgment reused from the cache')
      return settle(item, cached)
    }
    const ceo = deps.rosters.get(item.repository).ceo
    if (await isAgentPaused(deps.pool, item.repository, ceo.slug)) {
      tally.formula += 1
      log.info({ agent: ceo.slug }, 'priority left to the formula: the agent that pays for judgments is paused')
      return settle(item, undefined)
    }
    let answer
    try {
      answer = await askPriorityModel(deps.model, {
        model: deps.modelName,
        title: item.title,
        body: item.body,
        signal: AbortSignal.any([stopping.signal, AbortSignal.timeout(timeoutMs)]),
      })
    } catch (error) {
      // Stopped mid-call: the item is due again at once, for whichever replica runs next.
      if (stopping.signal.aborted) return postponeJudgment(deps.pool, item, deps.now())
      tally.postponed += 1
      deps.metrics?.modelCall({ repository: item.repository, agent: ceo.slug, model: deps.modelName, outcome: 'failed' })
      log.warn({ err: error, retryInMs: retryMs }, 'could not ask the model for a priority judgment; it is asked again later')
      await postponeJudgment(deps.pool, item, new Date(deps.now().getTime() + retryMs))
      return
    }
    tally.asked += 1
    deps.metrics?.modelCall({ repository: item.repository, agent: ceo.slug, model: deps.modelName, outcome: 'ok' })
    await charge(item, ceo, answer, log)
    if (!answer.parsed.ok) {
      tally.formula += 1
      log.warn({ problem: answer.parsed.problem }, 'the model gave no usable priority judgment; the formula stands')
      return settle(item, undefined)
    }
    const adjustment = cleanAdjustment(adjustmentOf(answer.parsed.judgment))
    if (signature.bands.length > 0) {
      await cacheJudgment(deps.pool, { repository: item.repository, model: deps.modelName, ...signature, ...adjustment }, deps.now())
    }
    return settle(item, adjustment)
  }

  async function settle(item: DueJudgment, adjustment: ModelAdjustment | undefined): Promise<void> {
    // Anyone who may edit the issue may edit it again: the item rests for the cooldown, so
    // a run of edits costs one more judgment, of the text as it stands when the rest ends.
    await recordJudgment(deps.pool, item, adjustment, new Date(deps.now().getTime() + cooldownMs))
    await refreshItemPriority(deps.pool, item.repository, item.number, deps.now())
  }

  let warnedNoPrice = false
  async function charge(
    item: DueJudgment,
    ceo: { slug: string; budget: { monthlyUsd?: number | undefined } },
    usage: { promptTokens: number; completionTokens: number },
    log: Logger,
  ): Promise<void> {
    const costUsd = costOf(deps.prices, deps.modelName, usage)
    // Said once per process: every judgment of a busy backlog would repeat it.
    if (costUsd === undefined && !warnedNoPrice) {
      warnedNoPrice = true
      log.warn({ model: deps.modelName }, 'no price for the model: its priority judgments are charged nothing (set GAFFER_PRICES)')
    }
    // The same warning, pause, audit and notification as a run's spend; no GitHub comment,
    // since no item of the CEO's is at hand (a paused CEO is announced on the channels).
    await chargeSpend(deps, { repository: item.repository, agent: ceo, number: item.number, costUsd: costUsd ?? 0, by: 'priority judgment' }, log)
  }

  // One pass at a time per replica: a timer tick during a slow model call joins the pass
  // under way, whose items then find each other's judgments in the cache.
  let running: Promise<JudgeTally> | undefined
  return {
    judgeDue() {
      running ??= pass().finally(() => (running = undefined))
      return running
    },
    async stop() {
      stopping.abort()
      await running?.catch(() => undefined)
    },
  }

  async function pass(): Promise<JudgeTally> {
    const tally: JudgeTally = { cached: 0, asked: 0, formula: 0, postponed: 0 }
    await pruneCachedJudgments(deps.pool, new Date(deps.now().getTime() - JUDGMENT_TTL_MS))
    // A pass ends when nothing is due, or after 100 items so a backlog cannot hold the timer for long.
    for (let seen = 0; seen < 100 && !stopping.signal.aborted;) {
      // The batch is judged one item after another, each call up to the timeout: the lease
      // covers them all, so no item's lease lapses (and another replica asks again) while
      // this replica is still on the items before it.
      const due = await claimDueJudgments(deps.pool, deps.now(), CLAIM_BATCH, CLAIM_BATCH * timeoutMs + 30_000)
      if (due.length === 0) break
      for (const item of due) {
        // Stopped: the rest of the batch is handed back rather than left to its lease.
        if (stopping.signal.aborted) {
          await postponeJudgment(deps.pool, item, deps.now())
          continue
        }
        seen += 1
        await judgeOne(item, tally).catch(async (error: unknown) => {
          deps.log.error({ err: error, repository: item.repository, number: item.number }, 'priority judgment failed; it is tried again later')
          await postponeJudgment(deps.pool, item, new Date(deps.now().getTime() + retryMs)).catch(() => undefined)
        })
      }
    }
    return tally
  }
}

/** Longest reason stored; the model is asked for one sentence. */
const MAX_WHY_CHARS = 300

/**
 * The model's reason is text the item's author can steer, and `/status` posts it: it gets
 * the hygiene of every model output before it is cached or stored, so no reader of
 * `priority_reason` can post a mention, a closing keyword or a marker. Cut first, then
 * cleaned, so the cut cannot split the code span that disarms a mention.
 */
function cleanAdjustment(adjustment: ModelAdjustment): ModelAdjustment {
  const why = adjustment.why.slice(0, MAX_WHY_CHARS)
  return { ...adjustment, why: cleanOutput(why, { maxChars: MAX_WHY_CHARS }).replace(/\s+/g, ' ') }
}
