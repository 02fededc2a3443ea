import type { NotificationSelection } from './notify-channels.ts'
import { notifyEvents, type RepositorySettings } from './repository-settings.ts'

/**
 * What a repository's `notifications` settings select: the channels it names (or all the
 * operator defined) and the events it names (or all of them). The secrets stay with the
 * operator; a repository only picks among the names.
 */
export function notificationSelection(settings: Pick<RepositorySettings, 'notifications'>): NotificationSelection {
  const { channels, events } = settings.notifications
  return { channels: channels ? [...new Set(channels)] : 'all', events: events ? [...new Set(events)] : [...notifyEvents] }
}
