import type { IncomingMessage, Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../src/log.ts'
import { isAdminRequest } from '../src/web/admin-auth.ts'
import { createHttpServer } from '../src/web/http-server.ts'

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
    expect(isAdminRequest(request(address, headers), undefined)).toBe(allowed)
  })

  it('with a token, wants exactly that bearer token, from anywhere', () => {
    expect(isAdminRequest(request('10.0.0.7', { host: 'gaffer.example', authorization: 'Bearer s3cret' }), 's3cret')).toBe(true)
    expect(isAdminRequest(request('127.0.0.1', { host: 'localhost' }), 's3cret')).toBe(false)
    expect(isAdminRequest(request('127.0.0.1', { host: 'localhost', authorization: 'Bearer nope' }), 's3cret')).toBe(false)
  })
})

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
  ])('refuses %s %s relayed by a reverse proxy on this host with 403 naming GAFFER_ADMIN_TOKEN', async (method, route) => {
    const response = await fetch(`${base}${route}`, { method, headers: { 'x-forwarded-for': '203.0.113.9', 'x-forwarded-proto': 'https' } })

    expect(response.status).toBe(403)
    expect(((await response.json()) as { error: string }).error).toContain('set GAFFER_ADMIN_TOKEN')
  })
})
