import { z } from 'zod'

/** The events a channel can be told about (SPEC §15). */
export const notificationEvents = ['needs-human', 'needs-approval', 'budget-paused', 'model-breaker'] as const
export type NotificationEvent = (typeof notificationEvents)[number]

const channelName = /^[A-Za-z0-9_-]{1,40}$/

/** Where the channel's request goes; plain http only to this machine (a local relay or a test receiver). */
const endpoint = (example: string) =>
  z.string({ error: `missing; give the URL, e.g. ${example}` }).refine(
    (value) => {
      if (!URL.canParse(value)) return false
      const url = new URL(value)
      const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname)
      return url.protocol === 'https:' || (url.protocol === 'http:' && loopback)
    },
    { error: `expected an https:// URL (plain http:// only to this machine), e.g. ${example}` },
  )

const WebhookChannel = z.strictObject({
  kind: z.literal('webhook'),
  url: endpoint('https://ops.example.com/gaffer'),
  secret: z
    .string({ error: 'missing; the body is signed with it (HMAC-SHA256), e.g. generate one with `openssl rand -hex 32`' })
    .min(16, { error: 'must be at least 16 characters; generate one with `openssl rand -hex 32`' }),
})

const SlackChannel = z.strictObject({
  kind: z.literal('slack'),
  url: endpoint('https://hooks.slack.com/services/T000/B000/XXXX (the incoming webhook URL Slack shows)'),
})

const TelegramChannel = z.strictObject({
  kind: z.literal('telegram'),
  botToken: z
    .string({ error: 'missing; the token @BotFather gave the bot, e.g. 123456:ABC-DEF' })
    .regex(/^[0-9]+:[A-Za-z0-9_-]+$/, { error: 'expected the token @BotFather gave the bot, e.g. 123456:ABC-DEF' }),
  chatId: z
    .union([z.string(), z.int()], { error: 'missing; the chat to post in, e.g. -1001234567890 or @my_channel' })
    .transform(String)
    .refine((value) => /^(-?[0-9]+|@[A-Za-z0-9_]{5,})$/.test(value), { error: 'expected a chat id such as -1001234567890 or @my_channel' }),
  /** The Bot API's address; tests and a self-hosted Bot API server point it elsewhere. */
  apiUrl: endpoint('https://api.telegram.org').optional(),
})

export const NotifyChannel = z.discriminatedUnion('kind', [WebhookChannel, SlackChannel, TelegramChannel], {
  error: 'kind must be webhook, slack or telegram',
})
export type NotifyChannel = z.infer<typeof NotifyChannel>

/** GAFFER_NOTIFY: named channels, e.g. `{"ops":{"kind":"webhook","url":"https://…","secret":"…"}}`. */
export const NotifyChannels = z.record(z.string(), NotifyChannel).superRefine((channels, ctx) => {
  for (const name of Object.keys(channels)) {
    if (!channelName.test(name))
      ctx.addIssue({
        code: 'custom',
        path: [name],
        message: 'a channel name is 1 to 40 letters, digits, - or _ (repositories select channels by it)',
      })
  }
})
export type NotifyChannels = z.infer<typeof NotifyChannels>

/**
 * Which channels and events one repository wants: its `.github/gaffer.yml` chooses them
 * by name; until it does, everything goes everywhere.
 */
export type NotificationSelection = { channels: readonly string[] | 'all'; events: readonly string[] }
export const everything: NotificationSelection = { channels: 'all', events: [...notificationEvents] }
