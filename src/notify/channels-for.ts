import type { NotificationSelection } from '../config/notify-channels.ts'

/**
 * The configured channels one event goes to: none when the repository did not select the
 * event; every channel for `all`; otherwise the selected names that are configured (a
 * repository cannot name a channel the operator did not define).
 */
export function channelsFor(selection: NotificationSelection, event: string, configured: readonly string[]): string[] {
  if (!selection.events.includes(event)) return []
  if (selection.channels === 'all') return [...configured]
  const selected = selection.channels
  return configured.filter((name) => selected.includes(name))
}
