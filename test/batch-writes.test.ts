import { describe, expect, it } from 'vitest'
import { allFulfilled, batchWrites, type BatchOutcome } from '../src/store/batch-writes.ts'

describe('batched writes (group commit)', () => {
  it('writes the first item at once and the items that arrive meanwhile together, each caller getting its own outcome', async () => {
    const batches: number[][] = []
    const write = batchWrites(async (items: number[]): Promise<BatchOutcome<number>> => {
      batches.push(items)
      await new Promise((resolve) => setTimeout(resolve, 5))
      return items.map((item) => (item === 4 ? { status: 'rejected', reason: new Error('four refused') } : { status: 'fulfilled', value: item * 10 }))
    })

    const outcomes = await Promise.allSettled([1, 2, 3, 4, 5].map((item) => write(item)))

    expect(batches).toEqual([[1], [2, 3, 4, 5]])
    expect(outcomes.map((outcome) => (outcome.status === 'fulfilled' ? outcome.value : (outcome.reason as Error).message))).toEqual([
      10,
      20,
      30,
      'four refused',
      50,
    ])
  })

  it('fails every item of a batch whose write throws, then goes on with the next batch', async () => {
    let calls = 0
    const write = batchWrites(async (items: string[]) => {
      calls += 1
      await new Promise((resolve) => setTimeout(resolve, 5))
      if (calls === 1) throw new Error('connection lost')
      return allFulfilled(items)
    }, 2)

    const outcomes = await Promise.allSettled(['a', 'b', 'c', 'd'].map((item) => write(item)))

    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'fulfilled', 'fulfilled', 'fulfilled'])
    expect(calls).toBe(3)
  })
})
