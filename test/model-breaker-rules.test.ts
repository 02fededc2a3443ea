import { APIConnectionError, APIConnectionTimeoutError, BadRequestError, InternalServerError, RateLimitError } from 'openai'
import { describe, expect, it } from 'vitest'
import {
  afterFailure,
  afterSuccess,
  closedBreaker,
  describeModelFailure,
  ModelPaused,
  pausedReason,
  takeProbe,
  type BreakerState,
  type ModelFailure,
} from '../src/llm/model-breaker-rules.ts'

const settings = { threshold: 3, probeIntervalMs: 60_000 }
const now = new Date('2026-11-25T10:00:00Z')
const later = (ms: number) => new Date(now.getTime() + ms)
const refused = () =>
  new APIConnectionError({
    cause: Object.assign(new TypeError('fetch failed'), {
      cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }),
    }),
  })
const open: BreakerState = {
  state: 'open',
  consecutiveFailures: 3,
  since: now,
  lastError: 'Connection error. (ECONNREFUSED)',
  nextProbeAt: later(60_000),
}
const outage: ModelFailure = { kind: 'outage', message: 'Connection error. (ECONNREFUSED)' }
const itemFailure: ModelFailure = { kind: 'item', message: 'bad prompt (HTTP 400)' }

describe('describeModelFailure', () => {
  it.each([
    ['a refused connection, naming the code', refused(), { kind: 'outage', message: 'Connection error. (ECONNREFUSED)' }],
    [
      'an unknown host',
      new APIConnectionError({ cause: Object.assign(new Error('getaddrinfo'), { code: 'ENOTFOUND' }) }),
      { kind: 'outage', message: 'Connection error. (ENOTFOUND)' },
    ],
    ['a timeout', new APIConnectionTimeoutError(), { kind: 'outage', message: 'Request timed out.' }],
    ['a 500', new InternalServerError(500, { message: 'boom' }, undefined, new Headers()), { kind: 'outage', message: '500 boom (HTTP 500)' }],
    [
      'a 429 after the client retried',
      new RateLimitError(429, { message: 'slow down' }, undefined, new Headers()),
      { kind: 'outage', message: '429 slow down (HTTP 429)' },
    ],
    [
      'a 400 on this prompt',
      new BadRequestError(400, { message: 'context too long' }, undefined, new Headers()),
      { kind: 'item', message: '400 context too long (HTTP 400)' },
    ],
    [
      'an answer without a choice',
      new Error('the model server answered without a choice'),
      { kind: 'item', message: 'the model server answered without a choice' },
    ],
    ['a call refused by the open breaker', new ModelPaused('model work is paused'), { kind: 'outage', message: 'model work is paused' }],
  ])('%s', (_, error, expected) => {
    expect(describeModelFailure(error)).toEqual(expected)
  })
})

describe('afterFailure', () => {
  it.each<[string, BreakerState, ModelFailure, Partial<BreakerState>, boolean]>([
    ['the first outage counts', closedBreaker, outage, { state: 'closed', consecutiveFailures: 1 }, false],
    ['the second outage counts', { ...closedBreaker, consecutiveFailures: 1 }, outage, { state: 'closed', consecutiveFailures: 2 }, false],
    [
      'the third outage trips it, probing a minute later',
      { ...closedBreaker, consecutiveFailures: 2 },
      outage,
      { state: 'open', since: now, nextProbeAt: later(60_000), lastError: outage.message },
      true,
    ],
    [
      'an item failure starts the count over',
      { ...closedBreaker, consecutiveFailures: 2 },
      itemFailure,
      { state: 'closed', consecutiveFailures: 0 },
      false,
    ],
    ['an open breaker only keeps the newest error', { ...open, lastError: 'older' }, outage, { ...open, lastError: outage.message }, false],
    ['an open breaker ignores item failures', open, itemFailure, open, false],
  ])('%s', (_, state, failure, expected, tripped) => {
    const change = afterFailure(state, failure, now, settings)
    expect(change.next).toMatchObject(expected)
    expect(change.tripped).toBe(tripped)
  })
})

describe('afterSuccess', () => {
  it.each<[string, BreakerState, boolean]>([
    ['an open breaker resets', open, true],
    ['a count in progress clears without a reset', { ...closedBreaker, consecutiveFailures: 2 }, false],
  ])('%s', (_, state, reset) => {
    expect(afterSuccess(state)).toEqual({ next: closedBreaker, tripped: false, reset })
  })
})

describe('takeProbe', () => {
  it.each<[string, BreakerState, Date, Date | undefined]>([
    ['a closed breaker has nothing to probe', closedBreaker, later(120_000), undefined],
    ['not before the next probe is due', open, later(59_999), undefined],
    ['when it is due, the next one moves an interval on', open, later(60_000), later(120_000)],
    ['long overdue, the next one is an interval from now', open, later(600_000), later(660_000)],
  ])('%s', (_, state, at, nextProbeAt) => {
    expect(takeProbe(state, at, settings)?.nextProbeAt).toEqual(nextProbeAt)
  })
})

describe('pausedReason', () => {
  it.each<[string, BreakerState, string | undefined]>([
    ['closed: nothing is paused', closedBreaker, undefined],
    [
      'open: one sentence with the error, since when and the next probe',
      open,
      'model work is paused: the model server fails for everyone (Connection error. (ECONNREFUSED)) since 2026-11-25T10:00:00.000Z; the next probe is at 2026-11-25T10:01:00.000Z',
    ],
  ])('%s', (_, state, reason) => {
    expect(pausedReason(state)).toBe(reason)
  })
})
