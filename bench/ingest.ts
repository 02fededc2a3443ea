import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { performance } from 'node:perf_hooks'
import { Probot } from 'probot'
import { createLogger } from '../src/log.ts'
import { WEBHOOK_PATH } from '../src/web/http-server.ts'
import { createPool } from '../src/store/pool.ts'
import { countingOctokit } from './counting-octokit.ts'
import { startBenchReplica } from './replica.ts'
import type { Row } from './stats.ts'

export type IngestResult = { rows: Row[]; raw: Record<string, number> }

const PAYLOADS = 1_000
const ISSUES = 50
const CONCURRENCY = 20
const REPLAYS = 100

type Delivery = { id: string; body: string; signature: string }
type Answer = { status: number; body: string }

/** POSTs every delivery to `url` with `CONCURRENCY` requests in flight; returns the answers in order. */
async function post(url: string, deliveries: readonly Delivery[]): Promise<Answer[]> {
  const answers: Answer[] = new Array(deliveries.length)
  let next = 0
  const worker = async () => {
    while (next < deliveries.length) {
      const index = next
      next += 1
      const delivery = deliveries[index]!
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'issues',
          'x-github-delivery': delivery.id,
          'x-hub-signature-256': delivery.signature,
        },
        body: delivery.body,
      })
      answers[index] = { status: response.status, body: await response.text() }
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))
  return answers
}

/**
 * Webhook ingest: signed `issues.edited` deliveries per second through a running
 * replica's real endpoint (verify, record in webhook_deliveries, answer 202, process
 * into the mirror), against Probot's bare receive with one no-op handler.
 */
export async function benchIngest(databaseUrl: string): Promise<IngestResult> {
  const counting = countingOctokit()
  const pool = createPool(databaseUrl)
  const { github, gaffer, owner, repo, maya, stop } = await startBenchReplica({ pool, Octokit: counting.Octokit })
  await gaffer.deliveries.idle()
  let baselineServer: ReturnType<typeof createServer> | undefined
  try {
    for (let i = 0; i < ISSUES; i += 1) {
      await maya.issues.create({ owner, repo, title: `Ingest issue ${i + 1}`, body: `Issue ${i + 1} for the ingest benchmark.` })
    }
    // The emulator delivers issues.opened for each; let those settle before measuring.
    const processedIssues = async () =>
      (await pool.query<{ n: number }>(`select count(*)::int as n from webhook_deliveries where event = 'issues' and processed_at is not null`))
        .rows[0]!.n
    for (let i = 0; i < 200 && (await processedIssues()) < ISSUES; i += 1) await new Promise((r) => setTimeout(r, 50))
    await gaffer.deliveries.idle()

    const repository = (await maya.repos.get({ owner, repo })).data
    const issues = (await maya.paginate(maya.issues.listForRepo, { owner, repo, state: 'open', per_page: 100 })).filter(
      (issue) => issue.pull_request === undefined,
    )
    if (issues.length === 0) throw new Error('the emulated repository has no issues to edit')
    // The sender is the app's own bot: the mirror then treats each event as the echo of
    // Gaffer's own write (no routing, no label writes), so processing is pure mirroring
    // with no GitHub request and the figure measures ingest, not the emulator.
    const sender = { login: `${github.app.slug}[bot]`, type: 'Bot', id: 1 }
    const start = Date.now() + 60_000
    const deliveries: Delivery[] = []
    for (let k = 0; k < PAYLOADS; k += 1) {
      const issue = issues[k % issues.length]!
      const version = Math.floor(k / issues.length) + 1
      const payload = {
        action: 'edited',
        changes: { title: { from: issue.title } },
        // Each edit is newer than the last one of its issue, so every payload is fresh to the mirror.
        issue: { ...issue, title: `${issue.title} (edit ${version})`, updated_at: new Date(start + version * 1000).toISOString() },
        repository,
        installation: { id: github.app.installationId },
        sender,
      }
      const body = JSON.stringify(payload)
      deliveries.push({ id: randomUUID(), body, signature: await gaffer.probot.webhooks.sign(body) })
    }
    const url = `${gaffer.url}${WEBHOOK_PATH}`

    counting.reset()
    const started = performance.now()
    const answers = await post(url, deliveries)
    await gaffer.deliveries.idle()
    const seconds = (performance.now() - started) / 1000
    const githubRequests = counting.total()
    const accepted = answers.filter((a) => a.status === 202).length
    const ids = deliveries.map((d) => d.id)
    const stored = (
      await pool.query<{ processed: number; failed: number }>(
        `select count(*) filter (where processed_at is not null)::int as processed, count(*) filter (where error is not null)::int as failed
         from webhook_deliveries where delivery_id = any($1)`,
        [ids],
      )
    ).rows[0]!
    const lost = PAYLOADS - stored.processed
    const lastVersion = Math.ceil(PAYLOADS / issues.length)
    const current = (
      await pool.query<{ n: number }>('select count(*)::int as n from work_items where repository = $1 and title like $2', [
        github.repository,
        `% (edit ${lastVersion})`,
      ])
    ).rows[0]!.n

    const rowsBefore = (await pool.query<{ n: number }>('select count(*)::int as n from webhook_deliveries')).rows[0]!.n
    const replays = await post(url, deliveries.slice(0, REPLAYS))
    await gaffer.deliveries.idle()
    const rowsAfter = (await pool.query<{ n: number }>('select count(*)::int as n from webhook_deliveries')).rows[0]!.n
    const duplicates = replays.filter((a) => a.status === 200 && (JSON.parse(a.body) as { status?: string }).status === 'duplicate').length

    // Baseline: the same signed deliveries through Probot's own middleware, one no-op handler, no database.
    const bare = new Probot({
      appId: github.app.appId,
      privateKey: github.app.privateKey,
      secret: github.app.webhookSecret,
      log: createLogger('silent'),
    })
    let handled = 0
    bare.onAny(async () => {
      handled += 1
    })
    const middleware = await bare.getNodeMiddleware({ path: WEBHOOK_PATH })
    baselineServer = createServer((req: IncomingMessage, res: ServerResponse) => {
      void middleware(req, res, () => res.writeHead(404).end())
    })
    await new Promise<void>((resolve) => baselineServer!.listen(0, '127.0.0.1', resolve))
    const baseUrl = `http://127.0.0.1:${(baselineServer.address() as AddressInfo).port}${WEBHOOK_PATH}`
    const baseStarted = performance.now()
    const baseAnswers = await post(baseUrl, deliveries)
    const baseSeconds = (performance.now() - baseStarted) / 1000
    const baseOk = baseAnswers.filter((a) => a.status === 200).length

    const perSecond = (n: number, s: number) => String(Math.round(n / s))
    return {
      rows: [
        {
          measure: `deliveries/s (${PAYLOADS} issues.edited, ${CONCURRENCY} in flight)`,
          gaffer: perSecond(PAYLOADS, seconds),
          baseline: perSecond(PAYLOADS, baseSeconds),
          note: 'gaffer: until every delivery is processed into the mirror; baseline: Probot middleware + no-op onAny, no database',
        },
        {
          measure: 'deliveries accepted / handled',
          gaffer: `${accepted} of ${PAYLOADS} answered 202`,
          baseline: `${baseOk} answered 200, ${handled} handled`,
          note: '',
        },
        {
          measure: 'deliveries lost',
          gaffer: String(lost),
          baseline: '-',
          note: `sent minus rows with processed_at set (${stored.failed} recorded an error); ${current} of ${issues.length} mirrored titles show the last edit`,
        },
        {
          measure: `replays ignored (${REPLAYS} re-sent, same id + body)`,
          gaffer: `${duplicates} of ${REPLAYS} answered 200 duplicate, ${rowsAfter - rowsBefore} rows added`,
          baseline: '-',
          note: 'Probot alone has no replay protection',
        },
        {
          measure: 'GitHub requests while ingesting',
          gaffer: String(githubRequests),
          baseline: '0',
          note: 'the bot is the sender, so processing only mirrors',
        },
      ],
      raw: {
        gafferDeliveriesPerSecond: PAYLOADS / seconds,
        baselineDeliveriesPerSecond: PAYLOADS / baseSeconds,
        accepted,
        lost,
        failed: stored.failed,
        duplicates,
        replayRowsAdded: rowsAfter - rowsBefore,
        githubRequests,
        mirroredLastEdit: current,
      },
    }
  } finally {
    if (baselineServer) {
      const server = baselineServer
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
    }
    await stop()
    await pool.end()
  }
}
