import { randomUUID } from 'node:crypto'
import { chmod, mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { Octokit } from '@octokit/rest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startGaffer, type Gaffer } from '../src/gaffer.ts'
import { createLogger } from '../src/log.ts'
import { freePort } from '../src/net/free-port.ts'
import { startEmulatedGitHub, type EmulatedGitHub } from '../src/sandbox/emulated-github.ts'
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../src/store/embedded-postgres.ts'
import { createPool, type Pool } from '../src/store/pool.ts'
import { WEBHOOK_PATH } from '../src/web/http-server.ts'
import { poll } from './helpers/test-company.ts'

const log = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent')

describe('webhooks while the database is away (a Postgres of its own, stopped and started)', () => {
  let dir: string
  let database: EmbeddedDatabase
  let pool: Pool
  let github: EmulatedGitHub
  let gaffer: Gaffer
  let port: number
  const cluster = () => ({ dataDir: path.join(dir, 'data'), passwordFile: path.join(dir, 'password'), log, persistent: true })
  const spoolDir = () => path.join(dir, 'spool')

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'gaffer-outage-'))
    // As root the cluster runs as the postgres user, which must be able to reach its data directory.
    await chmod(dir, 0o755)
    database = await startEmbeddedPostgres(cluster())
    pool = createPool(database.url)
    port = await freePort()
    github = await startEmulatedGitHub({ webhookUrl: `http://127.0.0.1:${port}${WEBHOOK_PATH}` })
    gaffer = await startGaffer({
      app: github.app,
      githubApiUrl: github.url,
      pool,
      log,
      port,
      host: '127.0.0.1',
      adminToken: undefined,
      spoolDir: spoolDir(),
      settings: { schedule: false, wakes: false, deliverySweepIntervalMs: 300 },
    })
  }, 120_000)
  afterAll(async () => {
    await gaffer?.stop()
    await github?.emulator.close()
    await pool?.end()
    await database?.stop()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('spools every signed delivery sent while Postgres is stopped and processes them all once it is back', async () => {
    const [owner, repo] = github.repository.split('/') as [string, string]
    const maya = new Octokit({ baseUrl: github.url, auth: github.maintainer.token })
    const { data: issue } = await maya.issues.create({ owner, repo, title: 'Labelled during an outage', body: 'details' })
    const { data: repository } = await maya.repos.get({ owner, repo })
    const mirrored = async () => (await pool.query('select 1 from work_items where number = $1', [issue.number])).rowCount
    await expect.poll(mirrored, poll).toBe(1)
    await gaffer.deliveries.idle()
    const ids = Array.from({ length: 5 }, () => randomUUID())

    await database.stop()
    const answers = []
    for (const [index, id] of ids.entries()) {
      const body = JSON.stringify({
        action: 'labeled',
        issue: { ...issue, labels: [{ name: 'area:backend' }] },
        label: { name: 'area:backend' },
        repository,
        sender: { login: github.maintainer.login, type: 'User' },
        installation: { id: github.app.installationId },
        outage: index,
      })
      const response = await fetch(`http://127.0.0.1:${port}${WEBHOOK_PATH}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'issues',
          'x-github-delivery': id,
          'x-hub-signature-256': await gaffer.probot.webhooks.sign(body),
        },
        body,
      })
      answers.push([response.status, ((await response.json()) as { status: string }).status])
    }
    expect(answers).toEqual(ids.map(() => [202, 'spooled']))
    expect(await readdir(spoolDir())).toHaveLength(5)

    database = await startEmbeddedPostgres({ ...cluster(), port: Number(new URL(database.url).port) })

    const processed = async () =>
      Number(
        (await pool.query('select count(*) from webhook_deliveries where delivery_id = any($1) and processed_at is not null', [ids])).rows[0].count,
      )
    await expect.poll(processed, { timeout: 30_000, interval: 200 }).toBe(5)
    expect(await readdir(spoolDir())).toEqual([])
  }, 120_000)
})
