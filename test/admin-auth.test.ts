import type { IncomingMessage, Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../src/log.ts'
import { isAdminRequest } from '../src/web/admin-auth.ts'
import { createEventStream } from '../src/web/event-stream.ts'
import { createHttpServer } from '../src/web/http-server.ts'
import type { Readiness } from '../src/web/readiness.ts'

/** Health and metrics as a replica without a database would give them: these tests are about who may ask. */
const operations = {
  readiness: async (): Promise<Readiness> => ({
    ready: true,
    notReady: [],
    checks: { database: { ok: true }, migrations: { ok: true }, github: { ok: true } },
  }),
  metrics: { render: async () => 'gaffer_up 1\n', contentType: 'text/plain; version=0.0.4; charset=utf-8' },
}

const request = (remoteAddress: string, headers: Record<string, string>) => ({ socket: { remoteAddress }, headers }) as unknown as IncomingMessage

describe('the admin API without GAFFER_ADMIN_TOKEN answers only this machine', () => {
  it.each([
    ['the CLI on loopback', '127.0.0.1', { host: '127.0.0.1:3000' }, true],
    ['the dashboard on loopback', '::1', { host: 'localhost:3000', origin: 'http://localhost:3000' }, true],
    ['another machine', '10.0.0.7', { host: '127.0.0.1:3000' }, false],
    ['a DNS-rebound name', '127.0.0.1', { host: 'attacker.example:3000' }, false],
    ['another site’s page in the operator’s browser', '127.0.0.1', { host: '127.0.0.1:3000', origin: 'https://attacker.example' }, false],
    ['a page on another local port', '127.0.0.1', { host: '127.0.0.1:3000', origin: 'http://127.0.0.1:8080' }, false],
    ['a same-host proxy (X-Forwarded-For)', '127.0.0.1', { host: 'localhost:3000', 'x-forwarded-for': '203.0.113.9' }, false],
    ['a same-host proxy (Forwarded)', '127.0.0.1', { host: 'localhost:3000', forwarded: 'for=203.0.113.9' }, false],
    ['a same-host proxy (X-Forwarded-Host)', '::1', { host: 'localhost:3000', 'x-forwarded-host': 'gaffer.example' }, false],
    ['a same-host proxy (X-Real-IP)', '::ffff:127.0.0.1', { host: '127.0.0.1:3000', 'x-real-ip': '203.0.113.9' }, false],
    [
      'a proxy that forwards a local-looking Host and Origin',
      '127.0.0.1',
      { host: 'localhost', origin: 'http://localhost', 'x-forwarded-for': '127.0.0.1' },
      false,
    ],
  ])('%s: %s', (_, address, headers, allowed) => {
    expect(isAdminRequest(request(address, headers), undefined, '127.0.0.1')).toBe(allowed)
  })

  // nginx's default proxy_pass: a loopback peer, a local Host and no forwarding header.
  const nginxDefault = request('127.0.0.1', { host: '127.0.0.1:3000' })
  it.each([
    ['127.0.0.1', true],
    ['127.0.0.2', true],
    ['::1', true],
    ['localhost', true],
    ['0.0.0.0', false],
    ['::', false],
    ['10.0.0.5', false],
    [undefined, false],
  ])('a request as nginx relays it by default, to a server listening on %s: %s', (listenAddress, allowed) => {
    expect(isAdminRequest(nginxDefault, undefined, listenAddress)).toBe(allowed)
  })

  it('with a token, wants exactly that bearer token, from anywhere', () => {
    expect(isAdminRequest(request('10.0.0.7', { host: 'gaffer.example', authorization: 'Bearer s3cret' }), 's3cret', '0.0.0.0')).toBe(true)
    expect(isAdminRequest(request('127.0.0.1', { host: 'localhost' }), 's3cret', '127.0.0.1')).toBe(false)
    expect(isAdminRequest(request('127.0.0.1', { host: 'localhost', authorization: 'Bearer nope' }), 's3cret', '127.0.0.1')).toBe(false)
  })
})

/** The dashboard's reads, unused by these tests. */
const dashboardReads = {
  item: async () => undefined,
  transcript: async () => undefined,
  audit: async () => [],
  events: createEventStream({ log: createLogger('silent'), listen: () => Promise.reject(new Error('no database here')) }),
}

describe('the admin API over HTTP without GAFFER_ADMIN_TOKEN', () => {
  let server: Server
  let base: string
  beforeAll(async () => {
    server = createHttpServer({
      log: createLogger('silent'),
      adminToken: undefined,
      webhook: async () => {},
      state: async () => ({ agents: [] }),
      wake: async () => ({ outcome: 'idle' }),
      ...dashboardReads,
      ...operations,
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve))
  })

  it('answers a direct request from this machine', async () => {
    const response = await fetch(`${base}/gaffer/api/state`)

    expect(response.status).toBe(200)
  })

  it.each([
    ['GET', '/gaffer/api/state'],
    ['POST', '/gaffer/api/agents/ceo/wake'],
    ['GET', '/metrics'],
  ])('refuses %s %s relayed by a reverse proxy on this host with 403 naming GAFFER_ADMIN_TOKEN', async (method, route) => {
    const response = await fetch(`${base}${route}`, { method, headers: { 'x-forwarded-for': '203.0.113.9', 'x-forwarded-proto': 'https' } })

    expect(response.status).toBe(403)
    expect(((await response.json()) as { error: string }).error).toContain('set GAFFER_ADMIN_TOKEN')
  })
})

describe('the admin API over HTTP without GAFFER_ADMIN_TOKEN, listening on every address', () => {
  let server: Server
  let port: number
  beforeAll(async () => {
    server = createHttpServer({
      log: createLogger('silent'),
      adminToken: undefined,
      webhook: async () => {},
      state: async () => ({ agents: [] }),
      wake: async () => ({ outcome: 'idle' }),
      ...dashboardReads,
      ...operations,
    })
    await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve))
    port = (server.address() as AddressInfo).port
  })
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve))
  })

  it('refuses a request as nginx relays it by default (loopback peer, local Host, no forwarding header), naming both settings', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/gaffer/api/state`)

    expect(response.status).toBe(403)
    const { error } = (await response.json()) as { error: string }
    expect(error).toContain('GAFFER_ADMIN_TOKEN')
    expect(error).toContain('GAFFER_HOST')
  })
})
