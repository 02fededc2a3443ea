/**
 * The global model breaker's decisions (SPEC §13 "Model outages"), pure: state in,
 * state out, `now` passed in. The store keeps the state; `model-breaker.ts` applies it.
 */

export type BreakerState = {
  state: 'closed' | 'open'
  /** Outage-like failures in a row, across every agent and replica. */
  consecutiveFailures: number
  /** When it opened. */
  since: Date | null
  lastError: string | null
  nextProbeAt: Date | null
}

export type BreakerSettings = {
  /** Outage-like failures in a row that open the breaker. */
  threshold: number
  probeIntervalMs: number
}

export const defaultBreakerSettings: BreakerSettings = { threshold: 3, probeIntervalMs: 60_000 }

export const closedBreaker: BreakerState = { state: 'closed', consecutiveFailures: 0, since: null, lastError: null, nextProbeAt: null }

/**
 * `outage`: the server fails whoever asks (unreachable, timed out, overloaded, 5xx), so
 * it says nothing about the item. `item`: the server answered and refused this request
 * (a 400 on this prompt, say), which the per-item circuit breaker of §7 counts.
 */
export type ModelFailure = { kind: 'outage' | 'item'; message: string }

/** Thrown instead of calling the model while the breaker is open: no call was made. */
export class ModelPaused extends Error {
  override name = 'ModelPaused'
}

const networkCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
])

/**
 * Classifies a failed model call. The `openai` client has already retried 408/429/5xx by
 * then, so one of those reaching us means the server cannot serve anyone right now.
 * The message names the network error code, which "Connection error." alone hides.
 */
export function describeModelFailure(error: unknown): ModelFailure {
  const e = (error ?? {}) as { status?: unknown; name?: unknown; message?: unknown }
  const status = typeof e.status === 'number' ? e.status : undefined
  const message = typeof e.message === 'string' && e.message !== '' ? e.message : String(error)
  const code = networkCode(error)
  if (status !== undefined) {
    const outage = status >= 500 || status === 408 || status === 429
    return { kind: outage ? 'outage' : 'item', message: `${message} (HTTP ${status})` }
  }
  // The `openai` package's error classes leave `name` as "Error"; their class names say what happened.
  const name = `${typeof e.name === 'string' ? e.name : ''} ${(error as object | null)?.constructor?.name ?? ''}`
  if (/\bModelPaused\b/.test(name)) return { kind: 'outage', message }
  const connection = code !== undefined || /\bAPIConnection|\bTimeoutError\b/.test(name)
  return { kind: connection ? 'outage' : 'item', message: code ? `${message} (${code})` : message }
}

/** The first network error code in the cause chain (fetch wraps the socket's error twice). */
function networkCode(error: unknown): string | undefined {
  let current: unknown = error
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth += 1) {
    const code = (current as { code?: unknown }).code
    if (typeof code === 'string' && networkCodes.has(code)) return code
    current = (current as { cause?: unknown }).cause
  }
  return undefined
}

export type BreakerChange = { next: BreakerState; tripped: boolean; reset: boolean }

/**
 * After a failed call. An outage counts towards the threshold and opens the breaker
 * when it reaches it; an item failure proves the server answers, so the count starts
 * over. An open breaker stays open and keeps the newest error.
 */
export function afterFailure(state: BreakerState, failure: ModelFailure, now: Date, settings: BreakerSettings): BreakerChange {
  if (state.state === 'open') {
    const next = failure.kind === 'outage' ? { ...state, lastError: failure.message } : state
    return { next, tripped: false, reset: false }
  }
  if (failure.kind === 'item') return { next: { ...state, consecutiveFailures: 0 }, tripped: false, reset: false }
  const consecutiveFailures = state.consecutiveFailures + 1
  if (consecutiveFailures < settings.threshold)
    return { next: { ...state, consecutiveFailures, lastError: failure.message }, tripped: false, reset: false }
  return {
    next: {
      state: 'open',
      consecutiveFailures,
      since: now,
      lastError: failure.message,
      nextProbeAt: new Date(now.getTime() + settings.probeIntervalMs),
    },
    tripped: true,
    reset: false,
  }
}

/** After a call that succeeded: closed, count cleared. */
export function afterSuccess(state: BreakerState): BreakerChange {
  return { next: closedBreaker, tripped: false, reset: state.state === 'open' }
}

/**
 * Whether this caller may probe now: the breaker is open and its probe is due. The
 * caller that takes it moves the next probe an interval on, so replicas probe once
 * between them, and a probe that fails simply waits for the next one.
 */
export function takeProbe(state: BreakerState, now: Date, settings: BreakerSettings): BreakerState | undefined {
  if (state.state !== 'open' || (state.nextProbeAt !== null && state.nextProbeAt > now)) return undefined
  return { ...state, nextProbeAt: new Date(now.getTime() + settings.probeIntervalMs) }
}

/** The reason a heartbeat gives for skipping its model work while the breaker is open. */
export function pausedReason(state: BreakerState): string | undefined {
  if (state.state === 'closed') return undefined
  return `model work is paused: the model server fails for everyone (${state.lastError ?? 'no error recorded'}) since ${state.since?.toISOString() ?? 'an unknown time'}; the next probe is at ${state.nextProbeAt?.toISOString() ?? 'the next minute'}`
}
