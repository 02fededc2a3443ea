import { describe, expect, it } from 'vitest'
import { isConnectionError } from '../src/store/connection-error.ts'

const withCode = (code: string, message = 'failed') => Object.assign(new Error(message), { code })

describe('which database errors mean "unreachable, try later"', () => {
  it.each([
    ['a refused connection', withCode('ECONNREFUSED'), true],
    ['a reset connection', withCode('ECONNRESET'), true],
    ['a host that does not resolve', withCode('ENOTFOUND'), true],
    ['a socket timeout', withCode('ETIMEDOUT'), true],
    ['both addresses of localhost refused', new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNREFUSED')]), true],
    ['SQLSTATE 08006 (connection failure)', withCode('08006'), true],
    ['SQLSTATE 57P01 (the server is shutting down)', withCode('57P01'), true],
    ['SQLSTATE 57P03 (the server is starting)', withCode('57P03'), true],
    ['the pool waiting too long for a connection', new Error('timeout exceeded when trying to connect'), true],
    ['a connection lost mid-query', new Error('Connection terminated unexpectedly'), true],
    ['a query timeout', new Error('Query read timeout'), true],
    ['SQLSTATE 22P05 (a \\u0000 in JSON)', withCode('22P05', 'unsupported Unicode escape sequence'), false],
    ['SQLSTATE 23505 (a unique violation)', withCode('23505'), false],
    ['SQLSTATE 42P01 (a missing table)', withCode('42P01'), false],
    ['a plain error', new Error('boom'), false],
    ['not an error at all', 'ECONNREFUSED', false],
  ])('%s: %s', (_, error, expected) => {
    expect(isConnectionError(error)).toBe(expected)
  })
})
