import cron, { type ScheduledTask } from 'node-cron'
import type { Logger } from '../log.ts'
import type { Roster } from '../roster/roster.ts'
import type { Fire } from '../store/heartbeat-runs.ts'
import type { Pool } from '../store/pool.ts'
import { postgresRunCoordinator } from './run-coordinator.ts'

export type Scheduler = {
  /** Registers the repository's agents' heartbeats, replacing tasks whose schedule changed. */
  sync(repository: string, roster: Roster): void
  /** The registered task names, `<repository>/<slug>`. */
  tasks(): string[]
  stop(): Promise<void>
}

/**
 * Every agent's `heartbeat` cron as a node-cron task, distributed through the Postgres
 * run coordinator so each fire runs on exactly one replica.
 */
export function createScheduler(deps: { pool: Pool; log: Logger; fire: (fire: Fire) => Promise<unknown> }): Scheduler {
  const registered = new Map<string, { task: ScheduledTask; schedule: string }>()
  return {
    sync(repository, roster) {
      const wanted = new Map(roster.agents.map((agent) => [`${repository}/${agent.slug}`, agent]))
      for (const [name, entry] of registered) {
        if (!name.startsWith(`${repository}/`)) continue
        const agent = wanted.get(name)
        if (!agent || `${agent.heartbeat}|${agent.timezone ?? 'UTC'}` !== entry.schedule) {
          void entry.task.destroy()
          registered.delete(name)
        }
      }
      for (const [name, agent] of wanted) {
        if (registered.has(name)) continue
        const timezone = agent.timezone ?? 'UTC'
        const task = cron.schedule(
          agent.heartbeat,
          ({ date }) =>
            deps
              .fire({ repository, agent: agent.slug, fireKey: `${name}:${date.toISOString()}`, trigger: 'cron' })
              .catch((error: unknown) => deps.log.error({ err: error, agent: agent.slug, repository }, 'heartbeat fire failed')),
          {
            name,
            timezone,
            noOverlap: true,
            distributed: true,
            runCoordinator: postgresRunCoordinator(deps.pool, { repository, agent: agent.slug }),
            logger: {
              info: (message) => deps.log.debug({ task: name }, message),
              warn: (message) => deps.log.warn({ task: name }, message),
              error: (message, err) => deps.log.error({ task: name, err }, String(message)),
              debug: (message) => deps.log.debug({ task: name }, String(message)),
            },
          },
        )
        registered.set(name, { task, schedule: `${agent.heartbeat}|${timezone}` })
      }
    },
    tasks: () => [...registered.keys()].sort(),
    async stop() {
      await Promise.all([...registered.values()].map(({ task }) => task.destroy()))
      registered.clear()
    },
  }
}
