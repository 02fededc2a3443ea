import { describe, expect, it } from 'vitest'
import { messageWithCause } from '../src/message-with-cause.ts'

const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:2'), { code: 'ECONNREFUSED' })

describe('messageWithCause: what failed, in one line', () => {
  it.each([
    ['a plain error', new Error('boom'), 'boom'],
    [
      'fetch failed, with the socket error under it',
      new TypeError('fetch failed', { cause: refused() }),
      'fetch failed (connect ECONNREFUSED 127.0.0.1:2)',
    ],
    [
      "the openai client's connection error, two links deep",
      new Error('Connection error.', { cause: new TypeError('fetch failed', { cause: refused() }) }),
      'Connection error. (connect ECONNREFUSED 127.0.0.1:2)',
    ],
    [
      'a message that already says its cause',
      new Error('connect ECONNREFUSED 127.0.0.1:2', { cause: new TypeError('fetch failed', { cause: refused() }) }),
      'connect ECONNREFUSED 127.0.0.1:2',
    ],
    [
      'a cause without a message, named by its code',
      new TypeError('fetch failed', { cause: Object.assign(new AggregateError([]), { code: 'ECONNREFUSED' }) }),
      'fetch failed (ECONNREFUSED)',
    ],
    ['a cause that is not an error', new Error('refused', { cause: 'no route' }), 'refused (no route)'],
    ['an error without a message', new Error(''), 'Error without a message'],
    ['something thrown that is not an error', 'just text', 'just text'],
  ])('%s', (_, error, expected) => {
    expect(messageWithCause(error)).toBe(expected)
  })
})
