import { describe, expect, it } from 'vitest'
import { createWorkSlots } from '../src/heartbeat/work-slots.ts'

const open = () => new AbortController().signal

describe('work slots: what one process works at once', () => {
  it('grants up to the process cap at once, then makes the rest wait for a release', async () => {
    const slots = createWorkSlots({ maxParallel: 3, modelMaxParallel: 10 })

    expect(await slots.acquire({ model: 'm', count: 2, priority: 500, signal: open() })).toBe(2)
    expect(await slots.acquire({ model: 'm', count: 3, priority: 500, signal: open() })).toBe(1)
    const waiting = slots.acquire({ model: 'm', count: 1, priority: 500, signal: open() })
    expect(slots.usage()).toEqual({ inUse: 3, byModel: { m: 3 }, waiting: 1 })

    slots.release('m', 1)
    expect(await waiting).toBe(1)
    expect(slots.usage()).toEqual({ inUse: 3, byModel: { m: 3 }, waiting: 0 })
  })

  it('serves the waiter with the most urgent item first, ties in arrival order', async () => {
    const slots = createWorkSlots({ maxParallel: 1, modelMaxParallel: 10 })
    await slots.acquire({ model: 'm', count: 1, priority: 0, signal: open() })
    const served: string[] = []
    const wait = (name: string, priority: number) =>
      slots.acquire({ model: 'm', count: 1, priority, signal: open() }).then(() => void served.push(name))
    const all = [wait('p3 first', 100), wait('p1', 500), wait('p0', 700), wait('p3 second', 100)]

    for (let i = 0; i < 4; i += 1) {
      slots.release('m', 1)
      await new Promise((resolve) => setImmediate(resolve))
    }
    await Promise.all(all)

    expect(served).toEqual(['p0', 'p1', 'p3 first', 'p3 second'])
  })

  it('caps one model without holding back work on another model', async () => {
    const slots = createWorkSlots({ maxParallel: 10, modelMaxParallel: 2 })
    expect(await slots.acquire({ model: 'busy', count: 5, priority: 0, signal: open() })).toBe(2)
    const sameModel = slots.acquire({ model: 'busy', count: 1, priority: 900, signal: open() })

    expect(await slots.acquire({ model: 'other', count: 1, priority: 0, signal: open() })).toBe(1)
    expect(slots.usage()).toEqual({ inUse: 3, byModel: { busy: 2, other: 1 }, waiting: 1 })
    slots.release('busy', 1)
    expect(await sameModel).toBe(1)
  })

  it('gives up waiting when the signal aborts (a stop, or the heartbeat out of time), taking nothing', async () => {
    const slots = createWorkSlots({ maxParallel: 1, modelMaxParallel: 1 })
    await slots.acquire({ model: 'm', count: 1, priority: 0, signal: open() })
    const stop = new AbortController()
    const waiting = slots.acquire({ model: 'm', count: 1, priority: 0, signal: stop.signal })

    stop.abort()

    expect(await waiting).toBe(0)
    slots.release('m', 1)
    expect(slots.usage()).toEqual({ inUse: 0, byModel: {}, waiting: 0 })
  })
})
