import type { RunCoordinator } from 'node-cron'
import type { Pool } from '../store/pool.ts'
import { recordFire } from '../store/heartbeat-runs.ts'

/**
 * node-cron's run coordinator on Postgres: each fire has the key `<task name>:<slot>`,
 * and the replica whose insert of that key into `heartbeat_runs` succeeds runs it.
 * The tasks of one tick ask at the same moment, and their inserts share a statement
 * (`recordFire`). A database error fails closed (node-cron then skips the fire).
 */
export function postgresRunCoordinator(pool: Pool, task: { repository: string; agent: string }): RunCoordinator {
  return {
    async shouldRun(key) {
      return (await recordFire(pool, { ...task, fireKey: key, trigger: 'cron' })) !== undefined
    },
  }
}
