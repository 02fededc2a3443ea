import { afterEach, describe, expect, it, vi } from 'vitest'
import { scorePriority, type PriorityInput } from '../src/company/priority.ts'

const DAY = 86_400_000
const NOW = new Date('2030-06-15T12:00:00Z')
const daysBefore = (days: number, from: Date = NOW) => new Date(from.getTime() - days * DAY)

/** A fresh, unlabelled, top-level item with nothing above or waiting on it: 250 points and nothing else. */
const item = (overrides: Partial<PriorityInput> = {}): PriorityInput => ({
  labels: [],
  createdAt: NOW,
  unblocks: 0,
  goalDistance: undefined,
  depth: 0,
  ...overrides,
})

const BASE = scorePriority(item(), NOW).score

describe('scorePriority', () => {
  describe('label bands', () => {
    it.each([
      { labels: ['priority:p0'], score: 700, reason: 'p0 700 = 700' },
      { labels: ['priority:p1'], score: 500, reason: 'p1 500 = 500' },
      { labels: ['priority:p2'], score: 300, reason: 'p2 300 = 300' },
      { labels: [], score: 250, reason: 'no priority label 250 = 250' },
      { labels: ['bug', 'status:todo', 'agent:ceo'], score: 250, reason: 'no priority label 250 = 250' },
      { labels: ['p0', 'priority:p4'], score: 250, reason: 'no priority label 250 = 250' },
      { labels: ['priority:p3'], score: 100, reason: 'p3 100 = 100' },
    ])('$labels scores $score', ({ labels, score, reason }) => {
      const result = scorePriority(item({ labels }), NOW)

      expect(result).toEqual({ score, reason })
    })

    it('orders fresh items p0 > p1 > p2 > unlabelled > p3', () => {
      const labelSets = [['priority:p0'], ['priority:p1'], ['priority:p2'], [], ['priority:p3']]

      const scores = labelSets.map((labels) => scorePriority(item({ labels }), NOW).score)

      expect(scores).toEqual([...scores].sort((a, b) => b - a))
      expect(new Set(scores).size).toBe(scores.length)
    })

    it.each([
      {
        name: 'a p3 100 days old stays below a fresh p1',
        low: item({ labels: ['priority:p3'], createdAt: daysBefore(100) }),
        high: item({ labels: ['priority:p1'] }),
      },
      {
        name: 'a p3 a year old stays below a fresh p1',
        low: item({ labels: ['priority:p3'], createdAt: daysBefore(365) }),
        high: item({ labels: ['priority:p1'] }),
      },
      {
        name: 'a p3 with every bonus maxed stays below a fresh p0',
        low: item({ labels: ['priority:p3'], createdAt: daysBefore(365), unblocks: 10, goalDistance: 0, depth: 10 }),
        high: item({ labels: ['priority:p0'] }),
      },
    ])('$name', ({ low, high }) => {
      const lowScore = scorePriority(low, NOW).score

      const highScore = scorePriority(high, NOW).score

      expect(lowScore).toBeLessThan(highScore)
    })
  })

  describe('adjustments', () => {
    it.each([
      { name: 'created just now', createdAt: NOW, points: 0 },
      { name: 'created a minute short of a day ago', createdAt: new Date(NOW.getTime() - DAY + 60_000), points: 0 },
      { name: 'created exactly a day ago', createdAt: daysBefore(1), points: 1 },
      { name: 'created a day and a half ago', createdAt: daysBefore(1.5), points: 1 },
      { name: 'created 10 days ago', createdAt: daysBefore(10), points: 10 },
      { name: 'created 99.9 days ago', createdAt: daysBefore(99.9), points: 99 },
      { name: 'created 100 days ago', createdAt: daysBefore(100), points: 100 },
      { name: 'created 101 days ago', createdAt: daysBefore(101), points: 100 },
      { name: 'created 3 years ago', createdAt: daysBefore(3 * 365), points: 100 },
      { name: 'created in the future', createdAt: daysBefore(-30), points: 0 },
    ])('age: $name adds $points', ({ createdAt, points }) => {
      const result = scorePriority(item({ createdAt }), NOW)

      expect(result.score).toBe(BASE + points)
    })

    it.each([
      { unblocks: 0, points: 0 },
      { unblocks: 1, points: 50 },
      { unblocks: 2, points: 100 },
      { unblocks: 3, points: 150 },
      { unblocks: 4, points: 150 },
      { unblocks: 25, points: 150 },
    ])('unblocking $unblocks items adds $points', ({ unblocks, points }) => {
      const result = scorePriority(item({ unblocks }), NOW)

      expect(result.score).toBe(BASE + points)
    })

    it.each([
      { goalDistance: undefined, points: 0 },
      { goalDistance: 0, points: 100 },
      { goalDistance: 1, points: 80 },
      { goalDistance: 2, points: 60 },
      { goalDistance: 3, points: 40 },
      { goalDistance: 4, points: 20 },
      { goalDistance: 5, points: 0 },
      { goalDistance: 12, points: 0 },
    ])('goal distance $goalDistance adds $points', ({ goalDistance, points }) => {
      const result = scorePriority(item({ goalDistance }), NOW)

      expect(result.score).toBe(BASE + points)
    })

    it.each([
      { depth: 0, points: 0 },
      { depth: 1, points: 10 },
      { depth: 3, points: 30 },
      { depth: 5, points: 50 },
      { depth: 6, points: 50 },
      { depth: 40, points: 50 },
    ])('depth $depth adds $points', ({ depth, points }) => {
      const result = scorePriority(item({ depth }), NOW)

      expect(result.score).toBe(BASE + points)
    })

    it('adds the contributions together', () => {
      const input = item({ labels: ['priority:p2'], createdAt: daysBefore(7), unblocks: 1, goalDistance: 2, depth: 2 })

      const result = scorePriority(input, NOW)

      expect(result.score).toBe(300 + 7 + 50 + 60 + 20)
    })
  })

  describe('clamping to 0..1000', () => {
    it.each([
      {
        name: 'a p0 with every bonus maxed is capped at 1000',
        input: item({ labels: ['priority:p0'], createdAt: daysBefore(500), unblocks: 9, goalDistance: 0, depth: 9 }),
        score: 1000,
      },
      {
        name: 'a p0 whose bonuses sum to exactly 1000 keeps 1000',
        input: item({ labels: ['priority:p0'], createdAt: daysBefore(100), unblocks: 2, goalDistance: 0, depth: 0 }),
        score: 1000,
      },
      {
        name: 'a p3 created far in the future does not go below its band',
        input: item({ labels: ['priority:p3'], createdAt: daysBefore(-2000) }),
        score: 100,
      },
    ])('$name', ({ input, score }) => {
      const result = scorePriority(input, NOW)

      expect(result.score).toBe(score)
      expect(result.score).toBeGreaterThanOrEqual(0)
      expect(result.score).toBeLessThanOrEqual(1000)
    })
  })

  describe('reason', () => {
    it.each([
      { name: 'a bare unlabelled item', input: item(), reason: 'no priority label 250 = 250' },
      {
        name: 'every contribution',
        input: item({ labels: ['priority:p1'], createdAt: daysBefore(3), unblocks: 2, goalDistance: 1, depth: 2 }),
        reason: 'p1 500, 3d old +3, unblocks 2 +100, 1 from a goal +80, depth 2 +20 = 703',
      },
      {
        name: 'capped contributions show the points actually added',
        input: item({ labels: ['priority:p3'], createdAt: daysBefore(150), unblocks: 5, depth: 8 }),
        reason: 'p3 100, 150d old +100, unblocks 5 +150, depth 8 +50 = 400',
      },
      {
        name: 'a distant goal is named even when it adds nothing',
        input: item({ labels: ['priority:p2'], goalDistance: 6 }),
        reason: 'p2 300, 6 from a goal +0 = 300',
      },
      {
        name: 'a clamped score reports the clamped total',
        input: item({ labels: ['priority:p0'], createdAt: daysBefore(200), unblocks: 3, goalDistance: 0, depth: 5 }),
        reason: 'p0 700, 200d old +100, unblocks 3 +150, 0 from a goal +100, depth 5 +50 = 1000',
      },
    ])('$name', ({ input, reason }) => {
      const result = scorePriority(input, NOW)

      expect(result.reason).toBe(reason)
      expect(result.reason).not.toMatch(/[\r\n]/)
      expect(result.reason.endsWith(`= ${result.score}`)).toBe(true)
    })
  })

  describe('determinism', () => {
    afterEach(() => {
      vi.useRealTimers()
    })

    it('returns the same result for the same input and now', () => {
      const input = item({ labels: ['priority:p1'], createdAt: daysBefore(12), unblocks: 1, goalDistance: 3, depth: 1 })

      const first = scorePriority(input, new Date(NOW))
      const second = scorePriority(input, new Date(NOW))

      expect(second).toEqual(first)
    })

    it('measures age against the now it is given, not the clock', () => {
      const farFuture = new Date('2150-01-01T00:00:00Z')
      const createdAt = daysBefore(42, farFuture)
      vi.useFakeTimers({ now: createdAt })

      const result = scorePriority(item({ createdAt }), farFuture)

      expect(result.score).toBe(BASE + 42)
      expect(result.reason).toContain('42d old +42')
    })

    it('gives a different age for a different now, whatever the clock says', () => {
      vi.useFakeTimers({ now: new Date('2001-01-01T00:00:00Z') })
      const input = item({ createdAt: NOW })

      const later = scorePriority(input, new Date(NOW.getTime() + 20 * DAY))
      const evenLater = scorePriority(input, new Date(NOW.getTime() + 30 * DAY))

      expect(later.score).toBe(BASE + 20)
      expect(evenLater.score).toBe(BASE + 30)
    })
  })
})

describe('scorePriority with a model judgment', () => {
  it.each([
    {
      name: 'raises within its band',
      judgment: { adjustment: 150, why: 'urgency high: outage' },
      score: 650,
      reason: 'p1 500, model +150 = 650; model: urgency high: outage',
    },
    {
      name: 'lowers',
      judgment: { adjustment: -150, why: 'urgency low: cosmetic' },
      score: 350,
      reason: 'p1 500, model -150 = 350; model: urgency low: cosmetic',
    },
    { name: 'is capped at +300', judgment: { adjustment: 900, why: 'x' }, score: 800, reason: 'p1 500, model +300 = 800; model: x' },
    { name: 'is capped at -300', judgment: { adjustment: -900, why: 'x' }, score: 200, reason: 'p1 500, model -300 = 200; model: x' },
    {
      name: 'says so even when it adds nothing',
      judgment: { adjustment: 0, why: 'normal' },
      score: 500,
      reason: 'p1 500, model +0 = 500; model: normal',
    },
  ])('$name', ({ judgment, score, reason }) => {
    const result = scorePriority({ labels: ['priority:p1'], createdAt: NOW, unblocks: 0, goalDistance: undefined, depth: 0, judgment }, NOW)

    expect(result).toEqual({ score, reason })
  })

  it('keeps the total within 0..1000', () => {
    const low = scorePriority(
      { labels: ['priority:p3'], createdAt: NOW, unblocks: 0, goalDistance: undefined, depth: 0, judgment: { adjustment: -300, why: 'x' } },
      NOW,
    )

    expect(low.score).toBe(0)
  })
})
