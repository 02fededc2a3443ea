import { randomUUID } from 'node:crypto'
import type { Logger } from '../log.ts'
import type { Fire } from '../store/heartbeat-runs.ts'
import { runHeartbeat, type HeartbeatDeps, type HeartbeatResult } from './heartbeat.ts'

export type Heartbeats = {
  /** Runs one fire (cron, wake or API) and waits for it. */
  run(fire: Fire): Promise<HeartbeatResult>
  /** Runs the agent's heartbeat now: the admin API's wake. */
  runNow(repository: string, agent: string): Promise<HeartbeatResult>
  /** Asks for a heartbeat soon; calls within the debounce window share one run. */
  wake(repository: string, agent: string): void
  /** Stops waking, waits up to `graceMs` for running heartbeats, then tells them to stop and hand their claims back. */
  stop(graceMs: number): Promise<void>
}

/**
 * Runs heartbeats in this process and tracks them, so wakes are debounced, a wake that
 * arrives during a run of the same agent is honoured after it, and stopping can wait.
 */
export function createHeartbeats(
  deps: HeartbeatDeps & {
    log: Logger
    wakeDebounceMs: number
    /** Wake an agent again when its heartbeat stopped at maxConcurrent with more ready work, instead of waiting for its cron. */
    drainBacklog: boolean
  },
): Heartbeats {
  const stopping = new AbortController()
  const heartbeatDeps: HeartbeatDeps = { ...deps, stopSignal: stopping.signal }
  // Every run in flight, by agent: a cron fire, a wake and an API call may overlap (the
  // agent lease lets only one work), and each must be waited for on stop.
  const running = new Map<string, Set<Promise<HeartbeatResult>>>()
  const timers = new Map<string, NodeJS.Timeout>()
  const again = new Set<string>()
  let stopped = false

  function run(fire: Fire): Promise<HeartbeatResult> {
    const key = `${fire.repository}/${fire.agent}`
    const task = runHeartbeat(heartbeatDeps, fire)
      .then((result) => {
        if (result.backlog && deps.drainBacklog) again.add(key)
        return result
      })
      .finally(() => {
        const runs = running.get(key)
        runs?.delete(task)
        if (runs?.size === 0) running.delete(key)
        if (!running.has(key) && again.delete(key) && !stopped) wake(fire.repository, fire.agent)
      })
    running.set(key, (running.get(key) ?? new Set()).add(task))
    return task
  }

  const wakeFire = (repository: string, agent: string, trigger: 'wake' | 'api'): Fire => ({
    repository,
    agent,
    trigger,
    fireKey: `${trigger}:${repository}/${agent}:${randomUUID()}`,
  })

  function wake(repository: string, agent: string): void {
    const key = `${repository}/${agent}`
    if (stopped || timers.has(key)) return
    timers.set(
      key,
      setTimeout(() => {
        timers.delete(key)
        if (running.has(key)) {
          again.add(key)
          return
        }
        run(wakeFire(repository, agent, 'wake')).catch((error: unknown) => deps.log.error({ err: error, agent, repository }, 'wake failed'))
      }, deps.wakeDebounceMs),
    )
  }

  return {
    run,
    runNow: (repository, agent) => run(wakeFire(repository, agent, 'api')),
    wake,
    async stop(graceMs) {
      stopped = true
      timers.forEach((timer) => clearTimeout(timer))
      timers.clear()
      const finished = (ms: number) =>
        Promise.race([
          Promise.allSettled([...running.values()].flatMap((runs) => [...runs])).then(() => true),
          new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms).unref()),
        ])
      if (await finished(graceMs)) return
      deps.log.warn({ running: [...running.keys()] }, 'heartbeats still running at stop; telling them to stop and hand their claims back')
      stopping.abort()
      // Handing a claim back is one database update and one GitHub request.
      await finished(Math.max(graceMs, 10_000))
    },
  }
}
