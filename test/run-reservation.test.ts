import { describe, expect, it } from 'vitest'
import { runReservation, type ReservationInput } from '../src/company/run-reservation.ts'

describe('runReservation', () => {
  it.each<{ case: string; input: ReservationInput; usd: number }>([
    { case: 'a token budget at the dearer price', input: { runTokens: 80_000, price: { input: 0.4, output: 1.6 } }, usd: 0.128 },
    { case: 'no token budget', input: { runTokens: undefined, price: { input: 2, output: 8 } }, usd: 0 },
    { case: 'a model missing from the price table', input: { runTokens: 80_000, price: undefined }, usd: 0 },
    {
      case: 'a CLI run at its time limit, dearer than its tokens',
      input: { runTokens: 80_000, price: { input: 0.4, output: 1.6 }, cli: { timeoutMinutes: 30, usdPerMinute: 0.05 } },
      usd: 1.5,
    },
    {
      case: 'a CLI run whose tokens are dearer than its minutes',
      input: { runTokens: 1_000_000, price: { input: 2, output: 8 }, cli: { timeoutMinutes: 30, usdPerMinute: 0.05 } },
      usd: 8,
    },
    {
      case: 'a CLI run charged nothing per minute',
      input: { runTokens: undefined, price: undefined, cli: { timeoutMinutes: 30, usdPerMinute: 0 } },
      usd: 0,
    },
  ])('$case: $usd USD', ({ input, usd }) => {
    expect(runReservation(input)).toBeCloseTo(usd, 10)
  })
})
