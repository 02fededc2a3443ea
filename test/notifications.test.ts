import { createHmac } from 'node:crypto'
import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import { everything } from '../src/config/notify-channels.ts'
import { createLogger } from '../src/log.ts'
import { recordBreakerTrip } from '../src/notify/record-breaker-trip.ts'
import { createNotifier } from '../src/notify/notifier.ts'
import { recordItemNotification, recordNotification } from '../src/store/notifications.ts'
import { getWorkItem } from '../src/store/work-items.ts'
import type { readState } from '../src/web/read-state.ts'
import { startNotifyReceiver, type NotifyReceiver, type ReceivedRequest } from './helpers/notify-receiver.ts'
import { openSettledIssue, poll, useTestCompany } from './helpers/test-company.ts'

type State = Awaited<ReturnType<typeof readState>>

const SECRET = 'a-webhook-secret-0123456789'
const BOT_TOKEN = '123456:ABC-DEF_secret'
const SLACK_PATH = '/slack/T000/B000/XXXXsecret'
const TELEGRAM_PATH = `/tg/bot${BOT_TOKEN}/sendMessage`

describe('notifications outside GitHub: a webhook, Slack and Telegram on a local receiver (SPEC §15)', () => {
  let receiver: NotifyReceiver
  const logs: string[] = []
  afterAll(async () => {
    await receiver?.close()
  })
  const c = useTestCompany({
    model: { defaultModel: 'priced-model' },
    app: async () => {
      receiver = await startNotifyReceiver()
      return {
        owners: ['maya'],
        // docs-writer's shipped budget is $30 a month; at $10 per 1M tokens a 3.1M-token turn spends it.
        prices: { 'priced-model': { input: 10, output: 10 } },
        notify: {
          channels: {
            ops: { kind: 'webhook', url: `${receiver.url}/ops`, secret: SECRET },
            team: { kind: 'slack', url: `${receiver.url}${SLACK_PATH}` },
            tg: { kind: 'telegram', botToken: BOT_TOKEN, chatId: '-1001', apiUrl: `${receiver.url}/tg` },
          },
          publicUrl: 'https://gaffer.example.com',
        },
        settings: {
          notify: { intervalMs: 100, retryBaseMs: 50, sendTimeoutMs: 10_000 },
          modelBreaker: { threshold: 3, probeIntervalMs: 60_000 },
        },
        log: createLogger('info', { write: (line: string) => void logs.push(line) }),
      }
    },
  })
  beforeEach(async () => {
    c.model.reset()
    // Each test's item is the only one its agent can claim.
    await c.db.pool.query("update work_items set status = 'done' where status in ('todo', 'blocked', 'needs-approval')")
  })

  const repository = () => c.github.repository
  const run = (agent: string) => c.gaffer!.heartbeats.runNow(repository(), agent)
  const state = async () => (await (await fetch(`${c.gaffer!.url}/gaffer/api/state`)).json()) as State
  const issue = (title: string, agent: string) => openSettledIssue(c, { title, labels: [`agent:${agent}`] })
  const json = (request: ReceivedRequest) => JSON.parse(request.body) as Record<string, unknown>
  /** The webhook's messages about one item (or, without a number, about `event`). */
  const webhookAbout = (event: string, number?: number) =>
    receiver.at('/ops').filter((r) => json(r).event === event && (number === undefined || String(json(r).text).includes(`#${number} `)))
  const sendsOf = async (event: string) =>
    (
      await c.db.pool.query<{ channel: string; sent: boolean; attempts: number; last_error: string | null }>(
        `select s.channel, s.sent_at is not null as sent, s.attempts, s.last_error from notification_sends s
         join notification_events e on e.id = s.event_id where e.event_key like $1 order by s.channel`,
        [`${event}%`],
      )
    ).rows

  it('sends needs-approval to every channel: the webhook signed, Slack escaped, Telegram as plain text', async () => {
    const number = await issue('Drop <!channel> the *table* @here <b>now</b>', 'frontend-engineer')
    c.model.script({ toolCalls: [{ name: 'request_approval', arguments: { summary: 'I want to drop legacy_widgets.' } }] })
    await run('frontend-engineer')
    expect((await getWorkItem(c.db.pool, repository(), number))?.status).toBe('needs-approval')

    await expect.poll(() => webhookAbout('needs-approval', number).length, poll).toBe(1)
    const hook = webhookAbout('needs-approval', number)[0]!
    const link = `${(await state()).github.webUrl}/${repository()}/issues/${number}`
    expect(hook.headers['x-gaffer-signature-256']).toBe(`sha256=${createHmac('sha256', SECRET).update(hook.body).digest('hex')}`)
    expect(hook.headers['x-gaffer-event']).toBe('needs-approval')
    expect(json(hook)).toMatchObject({
      event: 'needs-approval',
      text: `${repository()}#${number} waits for an approval: "Drop <!channel> the *table* @\u2060here <b>now</b>"`,
      link,
    })
    expect(json(hook).id).toBe(hook.headers['x-gaffer-delivery'])

    await expect.poll(() => receiver.at(SLACK_PATH).filter((r) => r.body.includes(`#${number} `)).length, poll).toBe(1)
    const slack = json(receiver.at(SLACK_PATH).find((r) => r.body.includes(`#${number} `))!)
    expect(slack.text).toBe(
      `${repository()}#${number} waits for an approval: "Drop &lt;!channel&gt; the *table* @\u2060here &lt;b&gt;now&lt;/b&gt;"\n<${link}>`,
    )

    await expect.poll(() => receiver.at(TELEGRAM_PATH).filter((r) => r.body.includes(`#${number} `)).length, poll).toBe(1)
    const telegram = json(receiver.at(TELEGRAM_PATH).find((r) => r.body.includes(`#${number} `))!)
    expect(telegram).toEqual({
      chat_id: '-1001',
      text: `${repository()}#${number} waits for an approval: "Drop <!channel> the *table* @\u2060here <b>now</b>"\n${link}`,
      link_preview_options: { is_disabled: true },
    })
  })

  it("sends only the channels and events the repository's .github/gaffer.yml chose", async ({ onTestFinished: onCleanup }) => {
    const content = Buffer.from('notifications:\n  channels: [ops]\n  events: [needs-approval]\n').toString('base64')
    await c.maya.repos.createOrUpdateFileContents({ owner: c.owner, repo: c.repo, path: '.github/gaffer.yml', message: 'notify ops only', content })
    await expect.poll(async () => (await state()).repositories.find((r) => r.repository === repository())?.settingsSource, poll).toBe('repository')
    onCleanup(async () => {
      const { data } = await c.maya.repos.getContent({ owner: c.owner, repo: c.repo, path: '.github/gaffer.yml' })
      await c.maya.repos.deleteFile({
        owner: c.owner,
        repo: c.repo,
        path: '.github/gaffer.yml',
        message: 'notify everyone again',
        sha: (data as { sha: string }).sha,
      })
      await expect
        .poll(async () => (await state()).repositories.find((r) => r.repository === repository())?.settingsSource, poll)
        .not.toBe('repository')
    })

    const number = await issue('Rename the widgets table', 'frontend-engineer')
    c.model.script({ toolCalls: [{ name: 'request_approval', arguments: { summary: 'I want to rename widgets.' } }] })
    await run('frontend-engineer')

    await expect.poll(() => webhookAbout('needs-approval', number).length, poll).toBe(1)
    const sends = await c.db.pool.query<{ channel: string }>(
      `select s.channel from notification_sends s join notification_events e on e.id = s.event_id
       where e.repository = $1 and (e.payload->>'number')::int = $2 order by s.channel`,
      [repository(), number],
    )
    expect(sends.rows.map((row) => row.channel)).toEqual(['ops'])
    expect(receiver.at(SLACK_PATH).filter((r) => r.body.includes(`#${number} `))).toEqual([])
  })

  it('records the same event once: a second record of the move, or of a breaker trip, sends nothing more', async () => {
    // The first test's move, recorded again (as a second replica or a redelivered webhook would).
    const [recorded] = (
      await c.db.pool.query<{ number: number }>("select (payload->>'number')::int as number from notification_events where event = 'needs-approval'")
    ).rows
    const item = { repository: repository(), number: recorded!.number }
    const before = receiver.requests.length

    expect(await recordItemNotification(c.db.pool, 'needs-approval', item, everything)).toBe(false)
    await c.gaffer!.notifier.deliverDue()

    expect(receiver.requests).toHaveLength(before)
    expect(webhookAbout('needs-approval', item.number)).toHaveLength(1)
    const since = new Date('2026-12-01T10:00:00Z')
    const log = createLogger('silent')
    await recordBreakerTrip({ pool: c.db.pool, log }, { since, lastError: 'first' })
    await recordBreakerTrip({ pool: c.db.pool, log }, { since, lastError: 'again' })
    await expect.poll(() => webhookAbout('model-breaker').length, poll).toBe(1)
    await c.gaffer!.notifier.deliverDue()
    expect(webhookAbout('model-breaker')).toHaveLength(1)
    expect(json(webhookAbout('model-breaker')[0]!).text).toContain('(first)')
    await c.db.pool.query("delete from notification_events where event = 'model-breaker'")
  })

  it('sends each message from one replica: three senders at once send every event once, a dead sender’s lapsed lease is sent again, a stale event not at all', async () => {
    const log = createLogger('silent')
    // Replicas share one configuration.
    const channels = {
      ops: { kind: 'webhook' as const, url: `${receiver.url}/ops`, secret: SECRET },
      team: { kind: 'slack' as const, url: `${receiver.url}${SLACK_PATH}` },
      tg: { kind: 'telegram' as const, botToken: BOT_TOKEN, chatId: '-1001', apiUrl: `${receiver.url}/tg` },
    }
    const settings = { intervalMs: 100, retryBaseMs: 50, sendTimeoutMs: 10_000 }
    const others = [1, 2].map(() => createNotifier({ pool: c.db.pool, log, channels, links: { githubWebUrl: 'https://github.com' }, settings }))
    for (let n = 0; n < 10; n += 1) {
      await recordNotification(
        c.db.pool,
        { key: `test:replicas:${n}`, repository: repository(), payload: { event: 'model-breaker', lastError: `replica test ${n}` } },
        everything,
      )
    }

    await Promise.all([c.gaffer!.notifier.deliverDue(), ...others.map((other) => other.deliverDue())])
    await expect.poll(async () => (await sendsOf('test:replicas:')).every((send) => send.sent), poll).toBe(true)

    const about = (n: number) => receiver.requests.filter((r) => r.body.includes(`replica test ${n})`))
    // Every event to every channel, exactly once.
    expect([...Array(10).keys()].map((n) => about(n).length)).toEqual(Array(10).fill(3))

    // A replica died holding a send: once its lease lapses, another sends it.
    await recordNotification(
      c.db.pool,
      { key: 'test:crash', repository: null, payload: { event: 'model-breaker', lastError: 'crash test' } },
      everything,
    )
    await c.gaffer!.notifier.deliverDue()
    await c.db.pool.query(
      `update notification_sends set sent_at = null, attempts = 1, leased_until = now() - interval '1 second'
       where channel = 'ops' and event_id = (select id from notification_events where event_key = 'test:crash')`,
    )
    await expect.poll(() => receiver.at('/ops').filter((r) => r.body.includes('crash test')).length, poll).toBe(2)
    // An event recorded two days ago, while no channel was configured, is news no longer.
    await c.db.pool.query(
      `insert into notification_events (event_key, event, payload, selection, created_at)
       values ('test:stale', 'model-breaker', '{"event":"model-breaker","lastError":"stale test"}', $1, now() - interval '2 days')`,
      [JSON.stringify(everything)],
    )
    await c.gaffer!.notifier.deliverDue()
    expect((await c.db.pool.query("select fanned_out_at is not null as done from notification_events where event_key = 'test:stale'")).rows).toEqual([
      { done: true },
    ])
    expect(await sendsOf('test:stale')).toEqual([])
    await Promise.all(others.map((other) => other.stop()))
    await c.db.pool.query("delete from notification_events where event_key like 'test:%'")
  })

  it('sends needs-human when the CEO hands an item to the humans, and sends it again after a 500', async () => {
    receiver.answer('/ops', 500)
    const number = await issue('Choose the licence', 'ceo')
    c.model.script({ toolCalls: [{ name: 'set_status', arguments: { status: 'blocked', reason: 'Only the owners can choose.' } }] })
    await run('ceo')
    expect((await getWorkItem(c.db.pool, repository(), number))?.labels).toContain('needs-human')

    await expect.poll(() => webhookAbout('needs-human', number).length, poll).toBe(2)
    await expect
      .poll(async () => (await sendsOf(`needs-human:${repository()}#${number}:`)).find((s) => s.channel === 'ops'), poll)
      .toEqual({
        channel: 'ops',
        sent: true,
        attempts: 2,
        last_error: 'HTTP 500: {"ok":false,"description":"scripted 500"}',
      })
    const [first, second] = webhookAbout('needs-human', number)
    // A re-send is the same message: a receiver tells it by its id.
    expect(second!.body).toBe(first!.body)
    expect(json(second!)).toMatchObject({ text: `${repository()}#${number} needs a person: "Choose the licence"` })
    expect((await state()).notifications.failures.filter((f) => f.channel === 'ops')).toEqual([])
    const metrics = await (await fetch(`${c.gaffer!.url}/metrics`)).text()
    expect(metrics).toContain('gaffer_notifications_total{channel="ops",event="needs-human",outcome="failed"} 1')
    expect(metrics).toContain('gaffer_notifications_total{channel="ops",event="needs-human",outcome="sent"} 1')
  })

  it('shows a channel that keeps failing in the state API, without its secret URL, and gives up on it', async () => {
    receiver.answer(SLACK_PATH, ...Array<number>(8).fill(503))
    const number = await issue('Publish the guide', 'docs-writer')
    c.model.script({ toolCalls: [{ name: 'request_approval', arguments: { summary: 'Publish it?' } }] })
    await run('docs-writer')

    await expect
      .poll(async () => (await state()).notifications.failures.find((f) => f.channel === 'team' && f.gaveUpAt !== null), { ...poll, timeout: 30_000 })
      .toMatchObject({
        event: 'needs-approval',
        repository: repository(),
        attempts: 8,
        lastError: 'HTTP 503: {"ok":false,"description":"scripted 503"}',
      })
    expect(receiver.at(SLACK_PATH).filter((r) => r.body.includes(`#${number} `))).toHaveLength(8)
    // The other channels got it at once.
    expect(webhookAbout('needs-approval', number)).toHaveLength(1)
    await c.db.pool.query('update notification_sends set last_error = null where gave_up_at is not null')
  }, 40_000)

  it('never holds the work: the move is done while a receiver hangs, and the others are sent meanwhile', async () => {
    receiver.answer('/ops', 'hang')
    const number = await issue('Rename the service', 'frontend-engineer')
    c.model.script({ toolCalls: [{ name: 'request_approval', arguments: { summary: 'Rename it?' } }] })

    // Were a send part of the move, this run would wait on the receiver until the test times out.
    expect(await run('frontend-engineer')).toMatchObject({ outcome: 'worked' })
    expect((await getWorkItem(c.db.pool, repository(), number))?.status).toBe('needs-approval')
    await expect.poll(() => webhookAbout('needs-approval', number).length, poll).toBe(1)
    await expect.poll(() => receiver.at(TELEGRAM_PATH).filter((r) => r.body.includes(`#${number} `)).length, poll).toBe(1)
    expect((await sendsOf(`needs-approval:${repository()}#${number}:`)).find((s) => s.channel === 'ops')).toMatchObject({ sent: false, attempts: 1 })

    receiver.release()
    await expect.poll(async () => (await sendsOf(`needs-approval:${repository()}#${number}:`)).every((s) => s.sent), poll).toBe(true)
    expect(webhookAbout('needs-approval', number)).toHaveLength(1)
  })

  it('sends budget-paused when a run spends what is left of the agent’s month', async () => {
    const number = await issue('Write the changelog', 'docs-writer')
    c.model.script({ toolCalls: [{ name: 'set_status', arguments: { status: 'done' } }], usage: { prompt: 3_100_000, completion: 0 } })
    await run('docs-writer')

    await expect.poll(() => webhookAbout('budget-paused').length, poll).toBe(1)
    expect(json(webhookAbout('budget-paused')[0]!)).toMatchObject({
      text: `${repository()}: agent docs-writer is paused, its monthly budget is spent ($31.00 of $30); /resume docs-writer on an issue or next month starts it again`,
      link: 'https://gaffer.example.com/gaffer',
    })
    expect(number).toBeGreaterThan(0)
  })

  it('sends model-breaker to every channel when the model server fails for everyone', async () => {
    await issue('Needs a model', 'backend-engineer')
    for (let call = 0; call < 3; call += 1) {
      c.model.script({ status: 503, error: 'upstream down' })
      expect(await run('backend-engineer')).toMatchObject({ outcome: 'failed' })
    }

    const trips = () => webhookAbout('model-breaker').filter((r) => String(json(r).text).includes('upstream down'))
    await expect.poll(() => trips().length, poll).toBe(1)
    expect(json(trips()[0]!)).toMatchObject({
      text: expect.stringMatching(/^Model work is paused for every agent: the model server fails for everyone \(.*upstream down.*\)/),
      link: 'https://gaffer.example.com/gaffer',
    })
    await expect.poll(() => receiver.at(SLACK_PATH).filter((r) => r.body.includes('upstream down')).length, poll).toBe(1)
    await expect.poll(() => receiver.at(TELEGRAM_PATH).filter((r) => r.body.includes('upstream down')).length, poll).toBe(1)
  })

  it('never logs a channel secret, the Slack URL or the bot token', () => {
    expect(logs.some((line) => line.includes('notification sent'))).toBe(true)
    for (const secret of [SECRET, BOT_TOKEN, SLACK_PATH]) expect(logs.filter((line) => line.includes(secret))).toEqual([])
  })
})
