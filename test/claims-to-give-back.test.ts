import { describe, expect, it } from 'vitest'
import { claimsToGiveBack, type HeldClaim, type RankedItem } from '../src/company/claims-to-give-back.ts'

const p0 = (number: number, score = 700): RankedItem => ({ number, priorityLabel: 0, score })
const p1 = (number: number, score = 500): RankedItem => ({ number, priorityLabel: 1, score })
const p2 = (number: number, score = 300): RankedItem => ({ number, priorityLabel: 2, score })
const p3 = (number: number, score = 100): RankedItem => ({ number, priorityLabel: 3, score })
/** A held claim waiting for quota with nothing sent since its claim, unless told otherwise. */
const held = (item: RankedItem, state: Partial<Pick<HeldClaim, 'waitingForQuota' | 'redoSafe'>> = {}): HeldClaim => ({
  ...item,
  waitingForQuota: true,
  redoSafe: true,
  ...state,
})

describe('which held claims a heartbeat gives back for better ready work (SPEC §17)', () => {
  it.each<[string, { held: HeldClaim[]; ready: RankedItem[]; freeSlots: number }, number[]]>([
    ['a p3 waiting for quota makes room for a new p0', { held: [held(p3(1)), held(p1(2))], ready: [p0(9)], freeSlots: 0 }, [1]],
    [
      'two p0s displace the two worst waiting claims, worst first',
      { held: [held(p2(1)), held(p3(2)), held(p3(3))], ready: [p0(8), p0(9)], freeSlots: 0 },
      [3, 2],
    ],
    ['a free slot takes the better item without giving anything back', { held: [held(p3(1))], ready: [p0(9)], freeSlots: 1 }, []],
    ['the second better item displaces once the free slot is taken', { held: [held(p3(1))], ready: [p0(8), p0(9)], freeSlots: 1 }, [1]],
    ['a claim not waiting for quota is worked to its end', { held: [held(p3(1), { waitingForQuota: false })], ready: [p0(9)], freeSlots: 0 }, []],
    [
      'a claim that has written to GitHub since its claim is not redone',
      { held: [held(p3(1), { redoSafe: false })], ready: [p0(9)], freeSlots: 0 },
      [],
    ],
    ['a ready item of about the same priority does not displace', { held: [held(p2(1, 300))], ready: [p2(9, 399)], freeSlots: 0 }, []],
    ['a ready item a band better does', { held: [held(p2(1, 300))], ready: [p1(9, 400)], freeSlots: 0 }, [1]],
    ['a p0 is urgent whatever the model took off its score', { held: [held(p1(1, 800))], ready: [p0(9, 400)], freeSlots: 0 }, [1]],
    ['a held p0 is not displaced by another p0 of about its score', { held: [held(p0(1, 700))], ready: [p0(9, 750)], freeSlots: 0 }, []],
    ['only as many as are better: the best claim is kept', { held: [held(p3(1)), held(p0(2))], ready: [p1(8), p1(9)], freeSlots: 0 }, [1]],
    ['nothing ready, nothing given back', { held: [held(p3(1))], ready: [], freeSlots: 0 }, []],
    ['of two equal claims, the later number goes first', { held: [held(p3(4)), held(p3(5))], ready: [p0(9)], freeSlots: 0 }, [5]],
  ])('%s', (_, input, expected) => {
    expect(claimsToGiveBack(input)).toEqual(expected)
  })
})
