import type { Logger } from '../log.ts'
import { recordBreakerTrip } from '../notify/record-breaker-trip.ts'
import { changeModelBreaker, readModelBreaker } from '../store/model-breaker.ts'
import type { Pool } from '../store/pool.ts'
import type { ModelClient } from './model-client.ts'
import {
  afterFailure,
  afterSuccess,
  describeModelFailure,
  ModelPaused,
  pausedReason,
  takeProbe,
  type BreakerSettings,
  type BreakerState,
  type ModelFailure,
} from './model-breaker-rules.ts'

export type ModelBreaker = {
  /** The client agents use: refuses without calling while the breaker is open, and records every call's outcome. */
  client: ModelClient
  /** Why model work should not start now, or undefined when the breaker is closed. */
  pausedReason(): Promise<string | undefined>
  /** One probe call if the breaker is open and a probe is due (on any replica); returns the state after it. */
  probe(): Promise<BreakerState>
  read(): Promise<BreakerState>
}

/**
 * The global model breaker (SPEC §13): a model server that fails for everyone pauses
 * model work for every agent on every replica, until a probe succeeds. Its state lives
 * in Postgres; its decisions are `model-breaker-rules.ts`.
 */
export function createModelBreaker(deps: {
  pool: Pool
  log: Logger
  now: () => Date
  settings: BreakerSettings
  /** The unguarded client: the probe goes through it. */
  model: ModelClient
  /** The model the probe asks. */
  probeModel: string
}): ModelBreaker {
  const { pool, log, settings } = deps

  /** `state` is what the caller read before its call: the common case (closed, nothing to clear) costs nothing more. */
  async function recordSuccess(state: BreakerState): Promise<void> {
    if (state.state === 'closed' && state.consecutiveFailures === 0) return
    const { decision } = await changeModelBreaker(pool, (current) => afterSuccess(current))
    if (decision.reset)
      log.info({ since: state.since, lastError: state.lastError }, 'model breaker reset: the model server answers again; model work resumes')
  }

  async function recordFailure(failure: ModelFailure): Promise<void> {
    const { decision } = await changeModelBreaker(pool, (current) => afterFailure(current, failure, deps.now(), settings))
    if (decision.tripped) {
      log.error(
        { lastError: failure.message, failures: decision.next.consecutiveFailures, nextProbeAt: decision.next.nextProbeAt },
        'model breaker tripped: the model server fails for everyone; model work is paused for every agent',
      )
      await recordBreakerTrip({ pool, log }, { since: decision.next.since ?? deps.now(), lastError: decision.next.lastError })
    }
  }

  // The breaker's own bookkeeping failing (the database away) must not hide the model's answer.
  const quietly = async (write: () => Promise<void>) => {
    try {
      await write()
    } catch (error) {
      log.error({ err: error }, 'could not record a model call in the model breaker')
    }
  }

  const client: ModelClient = {
    async complete(request) {
      const before = await readModelBreaker(pool)
      const reason = pausedReason(before)
      if (reason !== undefined) throw new ModelPaused(reason)
      try {
        const turn = await deps.model.complete(request)
        await quietly(() => recordSuccess(before))
        return turn
      } catch (error) {
        // A call we aborted (a graceful stop) says nothing about the server.
        if (!request.signal.aborted) await quietly(() => recordFailure(describeModelFailure(error)))
        throw error
      }
    },
  }

  return {
    client,
    pausedReason: async () => pausedReason(await readModelBreaker(pool)),
    read: () => readModelBreaker(pool),
    async probe() {
      // Nearly always closed: one plain read, no locking transaction, on every replica every minute.
      const seen = await readModelBreaker(pool)
      if (seen.state !== 'open') return seen
      const { decision } = await changeModelBreaker(pool, (state) => {
        const next = takeProbe(state, deps.now(), settings)
        return next ? { next } : undefined
      })
      if (!decision) return readModelBreaker(pool)
      try {
        await deps.model.complete({
          model: deps.probeModel,
          messages: [{ role: 'user', content: 'Reply with OK.' }],
          tools: [],
          signal: new AbortController().signal,
        })
        await recordSuccess(seen)
      } catch (error) {
        const failure = describeModelFailure(error)
        // A refusal (a 404 for a model the server does not serve, a 401) is still an answer:
        // the server is back, and holding every agent on a probe that can never pass would pause them for ever.
        if (failure.kind === 'item') {
          log.warn({ answer: failure.message, model: deps.probeModel }, 'model probe was refused, but the server answers; closing the breaker')
          await recordSuccess(seen)
        } else {
          log.debug({ error: failure.message }, 'model probe failed; the breaker stays open')
          await recordFailure(failure)
        }
      }
      return readModelBreaker(pool)
    },
  }
}
