import { NEEDS_HUMAN_LABEL, type Status } from '../company/labels.ts'
import { everything, type NotificationSelection } from '../config/notify-channels.ts'
import type { Logger } from '../log.ts'
import { recordItemNotification } from '../store/notifications.ts'
import type { Pool } from '../store/pool.ts'

/** What a status move is news of outside GitHub: reaching `needs-approval`, or being handed to the humans (`needs-human`). */
export function itemEventsOf(move: {
  from: Status | null
  to: Status
  labelsBefore: readonly string[]
  added: readonly string[]
}): Array<'needs-human' | 'needs-approval'> {
  return [
    ...(move.added.includes(NEEDS_HUMAN_LABEL) && !move.labelsBefore.includes(NEEDS_HUMAN_LABEL) ? (['needs-human'] as const) : []),
    ...(move.to === 'needs-approval' && move.from !== 'needs-approval' ? (['needs-approval'] as const) : []),
  ]
}

/**
 * Records the notifications a status move calls for, in the outbox the sender reads; it
 * sends nothing itself. A failure to record is logged and swallowed: the move stands.
 */
export async function recordItemEvents(
  deps: { pool: Pool; log?: Logger | undefined },
  item: { repository: string; number: number },
  events: ReadonlyArray<'needs-human' | 'needs-approval'>,
  selection: NotificationSelection = everything,
): Promise<void> {
  for (const event of events) {
    try {
      await recordItemNotification(deps.pool, event, item, selection)
    } catch (error) {
      deps.log?.error({ err: error, item: `${item.repository}#${item.number}`, event }, 'could not record a notification')
    }
  }
}
