import { describe, expect, it } from 'vitest'
import { formatMarker, parseMarker, trustedMarker, trustedProvenance, withMarker, type Marker } from '../src/company/marker.ts'

describe('formatMarker and parseMarker', () => {
  it.each<{ name: string; marker: Marker }>([
    { name: 'every field', marker: { kind: 'progress', agent: 'ceo', depth: 2, parent: 12, run: '42' } },
    { name: 'depth 0', marker: { agent: 'reviewer', depth: 0 } },
    { name: 'only a kind', marker: { kind: 'summary' } },
  ])('round-trips $name', ({ marker }) => {
    const text = formatMarker(marker)

    expect(text).toMatch(/^<!-- gaffer:.* -->$/)
    expect(parseMarker(text)).toEqual(marker)
  })

  it('round-trips the hyphenated slugs and kinds Gaffer actually writes', () => {
    const marker: Marker = { kind: 'status-repair', agent: 'backend-engineer', depth: 1, parent: 7, run: 'run-42' }

    expect(parseMarker(formatMarker(marker))).toEqual(marker)
  })

  it('reads a marker at the end of a longer body', () => {
    const body = 'Progress: opened #13.\n\n<!-- gaffer:agent=ceo depth=1 parent=12 run=9 -->'

    expect(parseMarker(body)).toEqual({ agent: 'ceo', depth: 1, parent: 12, run: '9' })
  })

  it.each([
    { name: 'a body with no marker', body: 'Just a human comment <!-- a normal comment -->' },
    { name: 'an empty body', body: '' },
    { name: 'null', body: null },
    { name: 'undefined', body: undefined },
  ])('returns undefined for $name', ({ body }) => {
    expect(parseMarker(body)).toBeUndefined()
  })

  it('ignores a non-numeric depth or parent instead of returning NaN', () => {
    const marker = parseMarker('<!-- gaffer:agent=ceo depth=two parent=x1 -->')

    expect(marker?.agent).toBe('ceo')
    expect(marker?.depth).toBeUndefined()
    expect(marker?.parent).toBeUndefined()
  })
})

describe('withMarker', () => {
  it('appends the marker after the body', () => {
    const text = withMarker('Status repaired.', { kind: 'summary' })

    expect(text).toBe('Status repaired.\n\n<!-- gaffer:kind=summary -->')
  })

  it('replaces an existing marker instead of adding a second one', () => {
    const first = withMarker('Working on it.', { kind: 'progress', run: '1' })

    const second = withMarker(first, { kind: 'progress', run: '2' })

    expect(second.match(/<!-- gaffer:/g)).toHaveLength(1)
    expect(parseMarker(second)?.run).toBe('2')
    expect(second.startsWith('Working on it.')).toBe(true)
  })

  it('is idempotent, so re-marking an unchanged comment does not edit it', () => {
    const once = withMarker('Done.', { kind: 'summary', agent: 'ceo' })

    expect(withMarker(once, { kind: 'summary', agent: 'ceo' })).toBe(once)
  })
})

describe('hostile marker values', () => {
  it.each([
    { name: 'a comment terminator', value: 'x --> <script>alert(1)</script>' },
    { name: 'the --!> terminator', value: 'x--!>y' },
    { name: 'a bare >', value: 'a>b' },
    { name: 'newlines', value: 'a\n-->\nb' },
  ])('cannot close the HTML comment early with $name', ({ value }) => {
    const text = formatMarker({ agent: value, kind: value })

    // Every HTML comment terminator ends in ">", so the only ">" must be the marker's own.
    expect(text.indexOf('>')).toBe(text.length - 1)
    expect(text.endsWith(' -->')).toBe(true)
    expect(text).not.toContain('\n')
  })

  it('cannot inject a field through a value with spaces', () => {
    const text = formatMarker({ agent: 'x depth=99 parent=1', depth: 1 })

    const marker = parseMarker(`Body\n\n${text}`)

    expect(marker?.depth).toBe(1)
    expect(marker?.parent).toBeUndefined()
  })
})

describe('trustedProvenance and trustedMarker', () => {
  const bot = 'gaffer-demo[bot]'
  const body = `Do it.\n\n${formatMarker({ agent: 'ceo', depth: 1, parent: 12, run: '3' })}`

  it.each([
    { name: 'the app itself', author: bot, expected: { depth: 1, parent: 12, createdByAgent: 'ceo' } },
    { name: 'an outsider', author: 'oscar', expected: undefined },
    { name: 'a writer', author: 'maya', expected: undefined },
    { name: 'another app', author: 'other-app[bot]', expected: undefined },
    { name: 'an unknown author', author: null, expected: undefined },
  ])('believes the marker of $name: $expected', ({ author, expected }) => {
    expect(trustedProvenance({ author, body }, bot)).toEqual(expected)
  })

  it("has no provenance for the app's text without an agent in its marker", () => {
    expect(trustedProvenance({ author: bot, body: formatMarker({ kind: 'status' }) }, bot)).toBeUndefined()
  })

  it('never matches a missing author when the bot login is unknown', () => {
    expect(trustedMarker({ author: '', body }, '')).toBeUndefined()
  })

  it.each([
    { author: bot, kind: 'status' },
    { author: 'oscar', kind: undefined },
  ])('reads the comment marker of $author as $kind', ({ author, kind }) => {
    expect(trustedMarker({ author, body: `Approved.\n\n${formatMarker({ kind: 'status' })}` }, bot)?.kind).toBe(kind)
  })
})
