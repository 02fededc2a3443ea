import type { IncomingMessage } from 'node:http'
import { describe, expect, it } from 'vitest'
import { isAdminRequest } from '../src/web/admin-auth.ts'

const request = (remoteAddress: string, headers: Record<string, string>) => ({ socket: { remoteAddress }, headers }) as unknown as IncomingMessage

describe('the admin API without GAFFER_ADMIN_TOKEN answers only this machine', () => {
  it.each([
    ['the CLI on loopback', '127.0.0.1', { host: '127.0.0.1:3000' }, true],
    ['the dashboard on loopback', '::1', { host: 'localhost:3000', origin: 'http://localhost:3000' }, true],
    ['another machine', '10.0.0.7', { host: '127.0.0.1:3000' }, false],
    ['a DNS-rebound name', '127.0.0.1', { host: 'attacker.example:3000' }, false],
    ['another site’s page in the operator’s browser', '127.0.0.1', { host: '127.0.0.1:3000', origin: 'https://attacker.example' }, false],
    ['a page on another local port', '127.0.0.1', { host: '127.0.0.1:3000', origin: 'http://127.0.0.1:8080' }, false],
  ])('%s: %s', (_, address, headers, allowed) => {
    expect(isAdminRequest(request(address, headers), undefined)).toBe(allowed)
  })

  it('with a token, wants exactly that bearer token, from anywhere', () => {
    expect(isAdminRequest(request('10.0.0.7', { host: 'gaffer.example', authorization: 'Bearer s3cret' }), 's3cret')).toBe(true)
    expect(isAdminRequest(request('127.0.0.1', { host: 'localhost' }), 's3cret')).toBe(false)
    expect(isAdminRequest(request('127.0.0.1', { host: 'localhost', authorization: 'Bearer nope' }), 's3cret')).toBe(false)
  })
})
