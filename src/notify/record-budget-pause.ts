import { everything, type NotificationSelection } from '../config/notify-channels.ts'
import type { Logger } from '../log.ts'
import { monthOf } from '../store/budgets.ts'
import { recordNotification } from '../store/notifications.ts'
import type { Pool } from '../store/pool.ts'

/**
 * Records that an agent's budget paused it. The key is the agent, the month and what it
 * had spent when it paused: the pause recorded twice is one event, a second pause after a
 * `/resume` (spending more) another. A failure to record is logged; the pause stands.
 */
export async function recordBudgetPause(
  deps: { pool: Pool; log: Logger },
  pause: { repository: string; agent: string; spentUsd: number; monthlyUsd: number; number: number; now: Date },
  selection: NotificationSelection = everything,
): Promise<void> {
  const { repository, agent, spentUsd, monthlyUsd, number } = pause
  try {
    await recordNotification(
      deps.pool,
      {
        key: `budget-paused:${repository}:${agent}:${monthOf(pause.now)}:${spentUsd.toFixed(6)}`,
        repository,
        payload: { event: 'budget-paused', repository, agent, spentUsd, monthlyUsd, number },
      },
      selection,
    )
  } catch (error) {
    deps.log.error({ err: error, repository, agent }, 'could not record a notification')
  }
}
