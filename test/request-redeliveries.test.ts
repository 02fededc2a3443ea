import { randomUUID } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Octokit } from '@octokit/rest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { deliveriesToRedeliver } from '../src/company/failed-deliveries.ts'
import { createLogger } from '../src/log.ts'
import { migrate } from '../src/store/migrate.ts'
import { recordDelivery } from '../src/store/webhook-deliveries.ts'
import { createRedeliveryRequester } from '../src/web/request-redeliveries.ts'
import { createTestDatabase, type TestDatabase } from './helpers/database.ts'

describe('deliveriesToRedeliver', () => {
  const a = (id: number, guid: string, statusCode: number) => ({ id, guid, statusCode })
  it.each([
    ['a failed unknown delivery', [a(1, 'g1', 500)], [], [], [1]],
    ['one that later succeeded', [a(2, 'g1', 200), a(1, 'g1', 502)], [], [], []],
    ['one Gaffer recorded (it answered late)', [a(1, 'g1', 0)], ['g1'], [], []],
    ['one already asked for', [a(1, 'g1', 500)], [], ['g1'], []],
    ['two failed attempts of one delivery: the newest', [a(3, 'g1', 500), a(1, 'g1', 500)], [], [], [3]],
  ])('%s', (_, attempts, known, asked, expected) => {
    expect(deliveriesToRedeliver(attempts, new Set(known), new Set(asked)).map((attempt) => attempt.id)).toEqual(expected)
  })
})

describe('asking GitHub for failed deliveries (a stand-in for GitHub, real Postgres)', () => {
  let db: TestDatabase
  let server: Server
  let octokit: Octokit
  let available = true
  let listed: object[] = []
  const requested: string[] = []
  const messages: string[] = []
  const log = createLogger('silent')
  const counting = Object.assign(Object.create(log), { info: (...args: unknown[]) => messages.push(String(args.at(-1))) })

  beforeAll(async () => {
    db = await createTestDatabase()
    await migrate(db.pool)
    server = createServer((req, res) => {
      if (!available) return res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"Not Found"}')
      if (req.method === 'GET' && req.url?.startsWith('/app/hook/deliveries')) {
        return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(listed))
      }
      const attempt = /^\/app\/hook\/deliveries\/(\d+)\/attempts$/.exec(req.url ?? '')
      if (req.method === 'POST' && attempt) {
        requested.push(attempt[1]!)
        return res.writeHead(202, { 'content-type': 'application/json' }).end('{}')
      }
      res.writeHead(500).end()
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    octokit = new Octokit({
      baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      log: { debug() {}, info() {}, warn() {}, error() {} },
    })
  })
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve))
    await db?.drop()
  })

  const attempt = (id: number, guid: string, statusCode: number) => ({
    id,
    guid,
    delivered_at: '2026-11-25T10:00:00Z',
    redelivery: false,
    duplicate: false,
    status: statusCode === 200 ? 'OK' : 'Internal Server Error',
    status_code: statusCode,
    event: 'issues',
    action: 'opened',
    installation_id: 1,
    repository_id: 1,
  })

  it('asks for the deliveries that failed and that Gaffer never recorded, once each', async () => {
    const recorded = randomUUID()
    await recordDelivery(db.pool, { deliveryId: recorded, payloadSha256: randomUUID(), event: 'issues', action: 'opened', payload: {} }, 0)
    listed = [attempt(11, 'lost', 500), attempt(12, recorded, 500), attempt(13, 'fine', 200), attempt(14, 'late', 200), attempt(10, 'late', 503)]
    const requester = createRedeliveryRequester({ appOctokit: octokit, pool: db.pool, log })

    expect(await requester()).toEqual({ requested: 1, available: true })
    expect(await requester()).toEqual({ requested: 0, available: true })
    expect(requested).toEqual(['11'])
  })

  it('treats a GitHub without the API as "not available" and says so once', async () => {
    available = false
    const requester = createRedeliveryRequester({ appOctokit: octokit, pool: db.pool, log: counting })

    expect(await requester()).toEqual({ requested: 0, available: false })
    expect(await requester()).toEqual({ requested: 0, available: false })
    expect(messages.filter((message) => message.includes('no app hook deliveries API'))).toHaveLength(1)
  })
})
