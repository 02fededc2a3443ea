import { AsyncLocalStorage } from 'node:async_hooks'
import { performance } from 'node:perf_hooks'
import type { Pool } from '../src/store/pool.ts'

/** Statements measured during one piece of work. */
export type StatementTimes = {
  /** Time during which at least one of its statements was on its way: the work's database time. */
  busyMs: number
  /** Each statement's time added up; above busyMs when statements ran at the same time. */
  ms: number
  count: number
  /** By statement: its prepared name, or its first words. */
  byStatement: Map<string, { ms: number; count: number }>
}

type Measuring = StatementTimes & { inFlight: number; busySince: number }

/**
 * Times every statement sent through `pool.query`, counting those made by the work
 * passed to `during` (and by everything it started: timers it armed, batches it began),
 * not the replica's background timers. A statement's time runs from when it has a
 * connection until its answer: one waiting for a free connection of the pool is not
 * using the database yet. One after another, the work's database time is the sum of its
 * statements' times; at the same time, it is the time during which any of them was on
 * its way (statements running together on two cores each take longer, and adding them
 * up would count the same milliseconds several times).
 */
export function timeStatements(pool: Pool): { during(work: () => Promise<void>): Promise<StatementTimes> } {
  const measuring = new AsyncLocalStorage<Measuring>()
  // pool.query asks this.connect synchronously: the statement asking is told when it has its connection.
  let asking: { connected: () => void } | undefined
  const connect = pool.connect.bind(pool) as (...args: unknown[]) => unknown
  pool.connect = ((...args: unknown[]) => {
    const statement = asking
    asking = undefined
    const callback = args[0]
    if (!statement || typeof callback !== 'function') return connect(...args)
    return connect((...answer: unknown[]) => {
      statement.connected()
      ;(callback as (...answer: unknown[]) => void)(...answer)
    })
  }) as typeof pool.connect
  const query = pool.query.bind(pool) as (...args: unknown[]) => Promise<unknown>
  pool.query = (async (...args: unknown[]) => {
    const times = measuring.getStore()
    if (!times) return query(...args)
    let started: number | undefined
    asking = {
      connected() {
        started = performance.now()
        if (times.inFlight++ === 0) times.busySince = started
      },
    }
    try {
      return await query(...args)
    } finally {
      asking = undefined
      if (started !== undefined) {
        const now = performance.now()
        if (--times.inFlight === 0) times.busyMs += now - times.busySince
        const first = args[0] as string | { name?: string; text: string }
        const label = (typeof first === 'string' ? first : (first.name ?? first.text)).trim().split(/\s+/).slice(0, 4).join(' ')
        const entry = times.byStatement.get(label) ?? { ms: 0, count: 0 }
        times.byStatement.set(label, { ms: entry.ms + now - started, count: entry.count + 1 })
        times.ms += now - started
        times.count += 1
      }
    }
  }) as unknown as typeof pool.query
  return {
    async during(work) {
      const times: Measuring = { busyMs: 0, ms: 0, count: 0, byStatement: new Map(), inFlight: 0, busySince: 0 }
      await measuring.run(times, work)
      const { inFlight: _inFlight, busySince: _busySince, ...measured } = times
      return measured
    },
  }
}

/** `name ×count (ms)` for each statement, most time first. */
export function describeStatements(times: StatementTimes): string {
  return [...times.byStatement]
    .sort(([, a], [, b]) => b.ms - a.ms)
    .map(([label, { ms, count }]) => `${label} ×${count} (${ms.toFixed(0)} ms)`)
    .join(', ')
}
