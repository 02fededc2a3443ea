import { createHash, randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer as createHttp, type Server } from 'node:http'
import { createServer as createTcp, type Server as TcpServer, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { Probot } from 'probot'
import { afterEach, describe, expect, it } from 'vitest'
import { createLogger } from '../src/log.ts'
import { listSpool } from '../src/store/delivery-spool.ts'
import { migrate } from '../src/store/migrate.ts'
import { createPool, type Pool } from '../src/store/pool.ts'
import { createWebhookEndpoint } from '../src/web/webhook-endpoint.ts'
import { createTestDatabase } from './helpers/database.ts'

const log = createLogger('silent')
// The signature check is Probot's and tested elsewhere; here every body counts as signed.
const probot = { webhooks: { verify: async () => true } } as unknown as Probot

describe('recording a webhook when the database does not answer', () => {
  const cleanups: (() => Promise<unknown>)[] = []
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  })

  /** The webhook endpoint alone on a port of its own, spooling to a fresh directory. */
  async function startEndpoint(pool: Pool, recordTimeoutMs?: number) {
    const spoolDir = await mkdtemp(path.join(tmpdir(), 'gaffer-spool-'))
    cleanups.push(() => rm(spoolDir, { recursive: true, force: true }))
    const endpoint = createWebhookEndpoint({ probot, pool, log, process: () => {}, spoolDir, ...(recordTimeoutMs ? { recordTimeoutMs } : {}) })
    const server: Server = createHttp((req, res) => void endpoint(req, res))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    cleanups.push(() => new Promise((resolve) => server.close(resolve)))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/github/webhooks`
    const deliver = async (body: string) => {
      const headers = {
        'content-type': 'application/json',
        'x-github-event': 'issues',
        'x-github-delivery': randomUUID(),
        'x-hub-signature-256': 'sha256=x',
      }
      const response = await fetch(url, { method: 'POST', headers, body })
      return [response.status, ((await response.json()) as { status: string }).status]
    }
    return { spoolDir, deliver }
  }

  it('spools a delivery when the database accepts connections and never answers', async () => {
    const sockets: Socket[] = []
    const silent: TcpServer = createTcp((socket) => void sockets.push(socket))
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    cleanups.push(() => new Promise((resolve) => (sockets.forEach((socket) => socket.destroy()), silent.close(resolve))))
    const pool = createPool(`postgres://postgres@127.0.0.1:${(silent.address() as AddressInfo).port}/gaffer`)
    cleanups.push(() => pool.end())
    const { spoolDir, deliver } = await startEndpoint(pool)

    const answer = await deliver(JSON.stringify({ action: 'opened', silent: randomUUID() }))

    expect(answer).toEqual([202, 'spooled'])
    expect(await listSpool(spoolDir)).toHaveLength(1)
  }, 30_000)

  it('spools a delivery whose insert the database does not finish in time', async () => {
    const db = await createTestDatabase()
    cleanups.push(() => db.drop())
    await migrate(db.pool)
    const body = JSON.stringify({ action: 'opened', blocked: randomUUID() })
    // Another transaction holds the same key uncommitted, so the endpoint's insert waits on it.
    const holder = await db.pool.connect()
    cleanups.push(async () => (await holder.query('rollback'), holder.release()))
    await holder.query('begin')
    await holder.query(`insert into webhook_deliveries (delivery_id, payload_sha256, event, payload, attempts) values ($1, $2, 'issues', '{}', 1)`, [
      randomUUID(),
      createHash('sha256').update(body).digest('hex'),
    ])
    const { spoolDir, deliver } = await startEndpoint(db.pool, 300)

    const answer = await deliver(body)

    expect(answer).toEqual([202, 'spooled'])
    expect(await listSpool(spoolDir)).toHaveLength(1)
  }, 30_000)
})
