import type { NotificationEvent } from '../config/notify-channels.ts'

/** What an event recorded about itself (the outbox row's payload), by event. */
export type NotificationPayload =
  | { event: 'needs-human' | 'needs-approval'; repository: string; number: number; kind: 'issue' | 'pull'; title: string }
  | { event: 'budget-paused'; repository: string; agent: string; spentUsd: number; monthlyUsd: number; number?: number | undefined }
  | { event: 'model-breaker'; lastError: string | null }

/** The one short message every channel is sent, as plain text, and the link it points to. */
export type NotificationMessage = { event: NotificationEvent; text: string; link: string | undefined }

/** Where links point: GitHub's web address, and the dashboard's when the operator named it (GAFFER_PUBLIC_URL). */
export type NotificationLinks = { githubWebUrl: string; publicUrl?: string | undefined }

const TITLE_LIMIT = 120
const ERROR_LIMIT = 200

/**
 * Untrusted text (an issue title, a model server's error) as it may appear in a message:
 * one line, bounded, and with no `@` a chat app would turn into a mention (a word joiner
 * follows it). Markup is the channel's concern: Slack's is escaped, Telegram gets plain text.
 */
export function quoteUntrusted(text: string, limit: number): string {
  // Invisible, control and bidirectional-override characters could hide or reorder what follows.
  const line = text
    .replace(/[\u200B-\u200F\u2028-\u202F\u2060-\u206F\uFEFF]/g, '')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
  const bounded = line.length > limit ? `${line.slice(0, limit - 1)}…` : line
  return bounded.replace(/@/g, '@\u2060')
}

function itemLink(links: NotificationLinks, repository: string, number: number, kind: 'issue' | 'pull'): string {
  return `${links.githubWebUrl}/${repository}/${kind === 'pull' ? 'pull' : 'issues'}/${number}`
}

const dashboardLink = (links: NotificationLinks) => (links.publicUrl ? `${links.publicUrl.replace(/\/+$/, '')}/gaffer` : undefined)

/** The message for one event: built from what the event recorded, never from anything sent later. */
export function notificationMessage(payload: NotificationPayload, links: NotificationLinks): NotificationMessage {
  switch (payload.event) {
    case 'needs-human':
    case 'needs-approval': {
      const what = payload.event === 'needs-human' ? 'needs a person' : 'waits for an approval'
      return {
        event: payload.event,
        text: `${payload.repository}#${payload.number} ${what}: "${quoteUntrusted(payload.title, TITLE_LIMIT)}"`,
        link: itemLink(links, payload.repository, payload.number, payload.kind),
      }
    }
    case 'budget-paused':
      return {
        event: payload.event,
        text:
          `${payload.repository}: agent ${payload.agent} is paused, its monthly budget is spent ` +
          `($${payload.spentUsd.toFixed(2)} of $${payload.monthlyUsd}); /resume ${payload.agent} on an issue or next month starts it again`,
        link: dashboardLink(links) ?? (payload.number === undefined ? undefined : itemLink(links, payload.repository, payload.number, 'issue')),
      }
    case 'model-breaker':
      return {
        event: payload.event,
        text:
          `Model work is paused for every agent: the model server fails for everyone` +
          `${payload.lastError ? ` (${quoteUntrusted(payload.lastError, ERROR_LIMIT)})` : ''}; it resumes by itself once a probe gets an answer`,
        link: dashboardLink(links),
      }
  }
}
