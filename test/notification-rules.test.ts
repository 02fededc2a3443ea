import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../src/config/env.ts'
import { everything, type NotifyChannel } from '../src/config/notify-channels.ts'
import { channelRequest, escapeSlack, withoutSecrets } from '../src/notify/channel-request.ts'
import { channelsFor } from '../src/notify/channels-for.ts'
import { notificationMessage, quoteUntrusted, type NotificationPayload } from '../src/notify/notification-message.ts'
import { itemEventsOf } from '../src/notify/record-item-events.ts'
import { retryDelayMs } from '../src/notify/retry-delay.ts'

const links = { githubWebUrl: 'https://github.com', publicUrl: 'https://gaffer.example.com' }
const repository = 'acme/shop'

describe('the message for each event (plain text and its link)', () => {
  it.each<[string, NotificationPayload, { githubWebUrl: string; publicUrl?: string }, string, string | undefined]>([
    [
      'needs-human on an issue',
      { event: 'needs-human', repository, number: 12, kind: 'issue', title: 'Pick a database' },
      links,
      'acme/shop#12 needs a person: "Pick a database"',
      'https://github.com/acme/shop/issues/12',
    ],
    [
      'needs-approval on a pull request',
      { event: 'needs-approval', repository, number: 40, kind: 'pull', title: 'Drop the table' },
      links,
      'acme/shop#40 waits for an approval: "Drop the table"',
      'https://github.com/acme/shop/pull/40',
    ],
    [
      'budget-paused, with the dashboard',
      { event: 'budget-paused', repository, agent: 'docs-writer', spentUsd: 30.5, monthlyUsd: 30, number: 7 },
      links,
      'acme/shop: agent docs-writer is paused, its monthly budget is spent ($30.50 of $30); /resume docs-writer on an issue or next month starts it again',
      'https://gaffer.example.com/gaffer',
    ],
    [
      'budget-paused, no dashboard address: the item it paused on',
      { event: 'budget-paused', repository, agent: 'docs-writer', spentUsd: 30.5, monthlyUsd: 30, number: 7 },
      { githubWebUrl: 'https://ghe.example.com' },
      'acme/shop: agent docs-writer is paused, its monthly budget is spent ($30.50 of $30); /resume docs-writer on an issue or next month starts it again',
      'https://ghe.example.com/acme/shop/issues/7',
    ],
    [
      'model-breaker',
      { event: 'model-breaker', lastError: 'Connection error. (ECONNREFUSED)' },
      links,
      'Model work is paused for every agent: the model server fails for everyone (Connection error. (ECONNREFUSED)); it resumes by itself once a probe gets an answer',
      'https://gaffer.example.com/gaffer',
    ],
    [
      'model-breaker, no error, no dashboard address',
      { event: 'model-breaker', lastError: null },
      { githubWebUrl: 'https://github.com' },
      'Model work is paused for every agent: the model server fails for everyone; it resumes by itself once a probe gets an answer',
      undefined,
    ],
  ])('%s', (_, payload, where, text, link) => {
    expect(notificationMessage(payload, where)).toEqual({ event: payload.event, text, link })
  })
})

describe('untrusted text in a message', () => {
  it.each([
    ['mentions get a word joiner after @', 'ping @here, @channel', 'ping @\u2060here, @\u2060channel'],
    ['new lines and tabs become one space', 'one\n\ntwo\tthree', 'one two three'],
    ['invisible and direction-changing characters go', 'ab\u200bc\u202edef\u2060', 'abcdef'],
    ['long text is cut', 'x'.repeat(30), `${'x'.repeat(19)}…`],
    ['markup is left to the channel', '<b>bold</b> *star*', '<b>bold</b> *star*'],
  ])('%s', (_, text, quoted) => {
    expect(quoteUntrusted(text, 20)).toBe(quoted)
  })

  it.each([
    ['<!channel> & <@U123|bob>', '&lt;!channel&gt; &amp; &lt;@U123|bob&gt;'],
    ['<https://evil.example|click me>', '&lt;https://evil.example|click me&gt;'],
  ])('Slack reads %s as text', (text, escaped) => {
    expect(escapeSlack(text)).toBe(escaped)
  })
})

describe('the request each channel gets', () => {
  const message = { event: 'needs-human' as const, text: 'acme/shop#12 needs a person: "<!here> x"', link: 'https://github.com/acme/shop/issues/12' }
  const event = { key: 'needs-human:acme/shop#12:2026-12-01T10:00:00.000000', id: 3, at: '2026-12-01T10:00:00.000Z' }

  it('a webhook: JSON with the event id, signed with HMAC-SHA256 of the body', () => {
    const request = channelRequest({ kind: 'webhook', url: 'https://ops.example.com/hook', secret: 'sixteen-chars-secret' }, message, event)
    expect(request.url).toBe('https://ops.example.com/hook')
    expect(JSON.parse(request.body)).toEqual({ id: event.key, event: 'needs-human', text: message.text, link: message.link, at: event.at })
    expect(request.headers).toEqual({
      'content-type': 'application/json',
      'X-Gaffer-Event': 'needs-human',
      'X-Gaffer-Delivery': event.key,
      'X-Gaffer-Signature-256': `sha256=${createHmac('sha256', 'sixteen-chars-secret').update(request.body).digest('hex')}`,
    })
  })

  it('Slack: the text escaped, our link the only <…>', () => {
    const request = channelRequest({ kind: 'slack', url: 'https://hooks.slack.com/services/T/B/X' }, message, event)
    expect(JSON.parse(request.body)).toEqual({
      text: 'acme/shop#12 needs a person: "&lt;!here&gt; x"\n<https://github.com/acme/shop/issues/12>',
    })
  })

  it('Telegram: sendMessage under the bot token, plain text (no parse_mode)', () => {
    const request = channelRequest({ kind: 'telegram', botToken: '1:abc', chatId: '-100' }, message, event)
    expect(request.url).toBe('https://api.telegram.org/bot1:abc/sendMessage')
    expect(JSON.parse(request.body)).toEqual({
      chat_id: '-100',
      text: `${message.text}\n${message.link}`,
      link_preview_options: { is_disabled: true },
    })
  })

  it.each<[NotifyChannel, string, string]>([
    [{ kind: 'webhook', url: 'https://a.example/h', secret: 'sixteen-chars-secret' }, 'bad sixteen-chars-secret', 'bad [redacted]'],
    [
      { kind: 'slack', url: 'https://hooks.slack.com/services/T/B/X' },
      'fetch https://hooks.slack.com/services/T/B/X failed',
      'fetch [redacted] failed',
    ],
    [{ kind: 'slack', url: 'https://hooks.slack.com/services/T/B/X' }, 'no route to /services/T/B/X', 'no route to [redacted]'],
    [{ kind: 'telegram', botToken: '1:abc', chatId: '-100' }, 'GET /bot1:abc/sendMessage: 404', 'GET /bot[redacted]/sendMessage: 404'],
  ])('an error about a %j keeps no secret', (channel, error, shown) => {
    expect(withoutSecrets(channel, error)).toBe(shown)
  })
})

describe('which events a move records, which channels get them, when they are sent again', () => {
  it.each<[string, Parameters<typeof itemEventsOf>[0], string[]]>([
    ['asking for approval', { from: 'in-progress', to: 'needs-approval', labelsBefore: [], added: [] }, ['needs-approval']],
    ['already waiting for approval', { from: 'needs-approval', to: 'needs-approval', labelsBefore: [], added: [] }, []],
    ['blocked and handed to the humans', { from: 'in-progress', to: 'blocked', labelsBefore: [], added: ['needs-human'] }, ['needs-human']],
    ['already with the humans', { from: 'blocked', to: 'blocked', labelsBefore: ['needs-human'], added: ['needs-human'] }, []],
    ['blocked and escalated to a manager', { from: 'in-progress', to: 'blocked', labelsBefore: [], added: [] }, []],
    ['done', { from: 'review', to: 'done', labelsBefore: [], added: [] }, []],
  ])('%s', (_, move, events) => {
    expect(itemEventsOf(move)).toEqual(events)
  })

  it.each<[string, Parameters<typeof channelsFor>[0], string, string[]]>([
    ['everything, the default', everything, 'needs-human', ['ops', 'team', 'tg']],
    ['some channels', { channels: ['tg', 'ops'], events: ['needs-human'] }, 'needs-human', ['ops', 'tg']],
    ['an event not selected', { channels: 'all', events: ['needs-approval'] }, 'needs-human', []],
    ['a channel the operator did not define', { channels: ['nope', 'team'], events: ['needs-human'] }, 'needs-human', ['team']],
  ])('channels: %s', (_, selection, event, channels) => {
    expect(channelsFor(selection, event, ['ops', 'team', 'tg'])).toEqual(channels)
  })

  it.each([
    [1, 30_000],
    [2, 60_000],
    [4, 240_000],
    [7, 1_920_000],
    [8, undefined],
  ])('after failed send %i, waits %s ms (undefined: gives up)', (attempts, delay) => {
    expect(retryDelayMs(attempts, 30_000)).toBe(delay)
  })
  it('waits an hour at most', () => {
    expect(retryDelayMs(7, 10 * 60_000)).toBe(60 * 60_000)
  })
})

describe('GAFFER_NOTIFY', () => {
  const problemsOf = (value: string) => {
    try {
      loadConfig({ GAFFER_NOTIFY: value })
    } catch (error) {
      if (error instanceof ConfigError) return error.problems
      throw error
    }
    return []
  }

  it('reads named channels of each kind', () => {
    const config = loadConfig({
      GAFFER_NOTIFY: JSON.stringify({
        ops: { kind: 'webhook', url: 'https://ops.example.com/h', secret: 'sixteen-chars-secret' },
        team: { kind: 'slack', url: 'https://hooks.slack.com/services/T/B/X' },
        tg: { kind: 'telegram', botToken: '123456:ABC-DEF', chatId: -1001234567890 },
      }),
      GAFFER_PUBLIC_URL: 'https://gaffer.example.com/',
    })
    expect(Object.keys(config.notify.channels)).toEqual(['ops', 'team', 'tg'])
    expect(config.notify.channels.tg).toEqual({ kind: 'telegram', botToken: '123456:ABC-DEF', chatId: '-1001234567890' })
    expect(config.notify.publicUrl).toBe('https://gaffer.example.com')
    expect(loadConfig({}).notify).toEqual({ channels: {}, publicUrl: undefined })
  })

  it.each([
    ['not JSON', '{ops', /^GAFFER_NOTIFY: must be JSON, e\.g\. \{"ops"/],
    ['an unknown kind', '{"ops":{"kind":"email"}}', /^GAFFER_NOTIFY: ops\.kind: kind must be webhook, slack or telegram/],
    [
      'a webhook without a secret',
      '{"ops":{"kind":"webhook","url":"https://a.example/h"}}',
      /^GAFFER_NOTIFY: ops\.secret: missing; the body is signed with it/,
    ],
    [
      'a short secret',
      '{"ops":{"kind":"webhook","url":"https://a.example/h","secret":"short"}}',
      /^GAFFER_NOTIFY: ops\.secret: must be at least 16 characters; generate one with `openssl rand -hex 32`/,
    ],
    [
      'a plain-http URL elsewhere',
      '{"team":{"kind":"slack","url":"http://hooks.slack.com/x"}}',
      /^GAFFER_NOTIFY: team\.url: expected an https:\/\/ URL/,
    ],
    [
      'a bad bot token',
      '{"tg":{"kind":"telegram","botToken":"nope","chatId":"1"}}',
      /^GAFFER_NOTIFY: tg\.botToken: expected the token @BotFather gave/,
    ],
    ['a bad channel name', '{"o p":{"kind":"slack","url":"https://hooks.slack.com/x"}}', /^GAFFER_NOTIFY: o p: a channel name is 1 to 40 letters/],
    ['an unknown field', '{"team":{"kind":"slack","url":"https://hooks.slack.com/x","channel":"#ops"}}', /^GAFFER_NOTIFY: team: Unrecognized key/],
  ])('names the field and the fix: %s', (_, value, problem) => {
    const problems = problemsOf(value)
    expect(problems).toContainEqual(expect.stringMatching(problem))
    // Whatever was wrong, the value (secrets and tokens) is never repeated.
    expect(problems.join('\n')).toContain('(got "[redacted]")')
  })
})
