/**
 * What one process may work at once, across all its agents: at most `maxParallel` items
 * (GAFFER_MAX_PARALLEL), and at most `modelMaxParallel` of them on one model
 * (GAFFER_MODEL_MAX_PARALLEL). A heartbeat asks before it claims; when slots are short,
 * the waiter whose next item has the highest priority is served first, ties in arrival
 * order, so an agent with urgent work is not stuck behind one with routine work. A waiter
 * blocked only by its model's cap lets waiters on other models go ahead.
 *
 * The per-model cap is the shared quota's limit of concurrent calls on a model (one
 * setting, GAFFER_MODEL_MAX_PARALLEL): the quota holds it across replicas call by call,
 * this cap keeps one process from claiming more items than that limit could serve.
 */
export type WorkSlots = {
  /**
   * Waits until at least one slot is free for `model`, then takes up to `count`; resolves
   * with how many it took, or 0 if `signal` aborted first.
   */
  acquire(request: { model: string; count: number; priority: number; signal: AbortSignal }): Promise<number>
  /** Gives back `count` slots taken for `model`. */
  release(model: string, count: number): void
  /** Slots in use, in total and by model, and how many heartbeats wait for one. */
  usage(): { inUse: number; byModel: Record<string, number>; waiting: number }
}

export type WorkSlotLimits = { maxParallel: number; modelMaxParallel: number }

type Waiter = { model: string; count: number; priority: number; order: number; grant: (taken: number) => void }

export function createWorkSlots(limits: WorkSlotLimits): WorkSlots {
  let inUse = 0
  const byModel = new Map<string, number>()
  const waiters: Waiter[] = []
  let arrivals = 0

  const freeFor = (model: string) => Math.min(limits.maxParallel - inUse, limits.modelMaxParallel - (byModel.get(model) ?? 0))
  const take = (model: string, count: number) => {
    inUse += count
    byModel.set(model, (byModel.get(model) ?? 0) + count)
  }

  /** Serves waiters best first while slots last. */
  function serve(): void {
    waiters.sort((a, b) => b.priority - a.priority || a.order - b.order)
    for (let index = 0; index < waiters.length && inUse < limits.maxParallel;) {
      const waiter = waiters[index]!
      const free = freeFor(waiter.model)
      if (free <= 0) {
        index += 1
        continue
      }
      const taken = Math.min(free, waiter.count)
      take(waiter.model, taken)
      waiters.splice(index, 1)
      waiter.grant(taken)
    }
  }

  return {
    acquire({ model, count, priority, signal }) {
      if (count <= 0 || signal.aborted) return Promise.resolve(0)
      return new Promise<number>((resolve) => {
        const onAbort = () => {
          const index = waiters.indexOf(waiter)
          if (index >= 0) waiters.splice(index, 1)
          resolve(0)
        }
        const waiter: Waiter = {
          model,
          count,
          priority,
          order: arrivals++,
          grant: (taken) => {
            signal.removeEventListener('abort', onAbort)
            resolve(taken)
          },
        }
        signal.addEventListener('abort', onAbort, { once: true })
        waiters.push(waiter)
        serve()
      })
    },
    release(model, count) {
      if (count <= 0) return
      inUse -= count
      const left = (byModel.get(model) ?? 0) - count
      if (left > 0) byModel.set(model, left)
      else byModel.delete(model)
      serve()
    },
    usage: () => ({ inUse, byModel: Object.fromEntries(byModel), waiting: waiters.length }),
  }
}
