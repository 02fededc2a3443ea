import { createHmac } from 'node:crypto'
import type { NotifyChannel } from '../config/notify-channels.ts'
import type { NotificationMessage } from './notification-message.ts'

/** One HTTP request to a channel; `url` may hold a token (Slack's path, Telegram's bot token) and is never logged. */
export type ChannelRequest = { url: string; headers: Record<string, string>; body: string }

/** What the generic webhook's receiver can use to tell a re-send from a new event. */
export type EventIdentity = { key: string; id: number; at: string }

export const SIGNATURE_HEADER = 'X-Gaffer-Signature-256'
export const TELEGRAM_API_URL = 'https://api.telegram.org'

/** `sha256=<hex>` of the body under the channel's secret, as GitHub signs its webhooks. */
export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`
}

/** Slack reads `&`, `<` and `>` as its control characters (`<!channel>`, `<@U123>`, `<url|text>`): escaped, they are text. */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

const jsonHeaders = { 'content-type': 'application/json' }

/** The request that tells one channel about one event. */
export function channelRequest(channel: NotifyChannel, message: NotificationMessage, event: EventIdentity): ChannelRequest {
  switch (channel.kind) {
    case 'webhook': {
      const body = JSON.stringify({ id: event.key, event: message.event, text: message.text, link: message.link ?? null, at: event.at })
      return {
        url: channel.url,
        headers: {
          ...jsonHeaders,
          'X-Gaffer-Event': message.event,
          'X-Gaffer-Delivery': event.key,
          [SIGNATURE_HEADER]: signBody(channel.secret, body),
        },
        body,
      }
    }
    case 'slack':
      // Our link is the one `<…>` in the message; the text cannot open another.
      return {
        url: channel.url,
        headers: jsonHeaders,
        body: JSON.stringify({ text: `${escapeSlack(message.text)}${message.link ? `\n<${message.link}>` : ''}` }),
      }
    case 'telegram':
      // No parse_mode: Telegram shows the text as it is, so neither HTML nor Markdown in a title means anything.
      return {
        url: `${(channel.apiUrl ?? TELEGRAM_API_URL).replace(/\/+$/, '')}/bot${channel.botToken}/sendMessage`,
        headers: jsonHeaders,
        body: JSON.stringify({
          chat_id: channel.chatId,
          text: `${message.text}${message.link ? `\n${message.link}` : ''}`,
          link_preview_options: { is_disabled: true },
        }),
      }
  }
}

/** Text about a failed send with the channel's secrets cut out, for the log, the state API and the dashboard. */
export function withoutSecrets(channel: NotifyChannel, text: string): string {
  const secrets =
    channel.kind === 'webhook' ? [channel.secret] : channel.kind === 'slack' ? [channel.url, new URL(channel.url).pathname] : [channel.botToken]
  return secrets.filter((secret) => secret.length > 1).reduce((out, secret) => out.split(secret).join('[redacted]'), text)
}
