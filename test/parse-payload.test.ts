import { describe, expect, it } from 'vitest'
import { parsePayload } from '../src/web/parse-payload.ts'

describe('parsePayload', () => {
  it.each([
    ['null', 'null', /not null/],
    ['a string', '"str"', /not string/],
    ['a number', '42', /not number/],
    ['an array', '[{}]', /not an array/],
    ['broken JSON', '{"a":', /not valid JSON/],
    ['nesting 65 deep', `${'['.repeat(64)}{}${']'.repeat(64)}`, /65 levels/],
    ['nesting 100,000 deep', `{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}`, /levels deep/],
  ])('refuses %s', (_, body, error) => {
    const parsed = parsePayload(body)

    expect(parsed.ok).toBe(false)
    expect(parsed.ok ? '' : parsed.error).toMatch(error)
  })

  it.each([
    ['an object', '{"action":"opened"}'],
    ['brackets inside strings', `{"body":"${'['.repeat(100)} \\" {{{"}`],
    ['nesting 64 deep', `{"a":${'['.repeat(63)}${']'.repeat(63)}}`],
  ])('accepts %s', (_, body) => {
    expect(parsePayload(body)).toMatchObject({ ok: true })
  })
})
