import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { normalizeText } from '../src/company/normalize-text.ts'
import { SIMILAR_ENOUGH, textSignature, textSimilarity } from '../src/company/text-signature.ts'

type Corpus = { paraphrases: Array<[string, string]>; nearMisses: Array<[string, string]> }
const corpus = JSON.parse(readFileSync(new URL('./fixtures/priority-paraphrases.json', import.meta.url), 'utf8')) as Corpus

/** A corpus text is its title, a newline, then its body. */
const signatureOf = (text: string) => {
  const [title = '', ...body] = text.split('\n')
  return textSignature(title, body.join('\n'))
}

/** What the cache decides for two texts: they meet in a band and are similar enough. */
const reuses = (a: string, b: string) => {
  const [x, y] = [signatureOf(a), signatureOf(b)]
  return x.bands.some((band) => y.bands.includes(band)) && textSimilarity(x, y) >= SIMILAR_ENOUGH
}

describe('normalizeText', () => {
  it.each([
    { text: 'The Login Page CRASHES!', words: ['fail', 'login', 'pag'], guard: [] },
    { text: 'page login crash', words: ['fail', 'login', 'pag'], guard: [] },
    { text: 'crashed, crashing; crashes.', words: ['fail'], guard: [] },
    { text: 'Please fix the bug in the docs', words: ['doc', 'fix'], guard: [] },
    { text: 'It does not save', words: ['sav'], guard: ['not'] },
    { text: "It doesn't save", words: ['sav'], guard: ['not'] },
    { text: 'It never saves', words: ['sav'], guard: ['not'] },
    { text: 'Retry 3 times', words: ['retry', 'tim'], guard: ['3'] },
    { text: 'Retry three times', words: ['retry', 'tim'], guard: ['3'] },
    { text: 'Retry 03 times', words: ['retry', 'tim'], guard: ['3'] },
    { text: 'Remove the v1 endpoints', words: ['delet', 'endpoint'], guard: ['v1'] },
    { text: 'Café menu', words: ['caf', 'menu'], guard: [] },
    { text: 'included include includes', words: ['includ'], guard: [] },
    { text: 'the a of and is', words: [], guard: [] },
    { text: '', words: [], guard: [] },
  ])('$text → $words / $guard', ({ text, words, guard }) => {
    expect(normalizeText(text)).toEqual({ words, guard })
  })
})

describe('textSignature and textSimilarity', () => {
  it.each([
    { name: 'the same text', a: ['Login crashes', 'on empty password'], b: ['Login crashes', 'on empty password'], similarity: 1 },
    {
      name: 'another order, case and punctuation',
      a: ['Login crashes', 'on empty password'],
      b: ['EMPTY password:', 'login, crash!'],
      similarity: 1,
    },
    { name: 'one word of five swapped', a: ['Login crashes', 'on empty password'], b: ['Signup crashes', 'on empty password'], similarity: 0.6 },
    { name: 'another number', a: ['Retry 3 times', 'failed jobs'], b: ['Retry 5 times', 'failed jobs'], similarity: 0 },
    { name: 'a negation added', a: ['Cache avatars', 'on the CDN'], b: ['Do not cache avatars', 'on the CDN'], similarity: 0 },
    { name: 'nothing in common', a: ['Dark mode', ''], b: ['Slow export', ''], similarity: 0 },
  ])('$name: similarity $similarity', ({ a, b, similarity }) => {
    const [x, y] = [textSignature(a[0]!, a[1]!), textSignature(b[0]!, b[1]!)]

    expect(textSimilarity(x, y)).toBeCloseTo(similarity, 5)
    if (similarity === 1) expect(x.bands).toEqual(y.bands)
    if (similarity === 0) expect(x.bands.filter((band) => y.bands.includes(band))).toEqual([])
  })

  it('gives 32 band keys, and none for a text with no words left', () => {
    expect(textSignature('Login crashes', '').bands).toHaveLength(32)
    expect(textSignature('The', 'and of the').bands).toEqual([])
  })
})

describe('the paraphrase corpus (test/fixtures/priority-paraphrases.json)', () => {
  it('has at least 30 paraphrase pairs and 30 near-misses', () => {
    expect(corpus.paraphrases.length).toBeGreaterThanOrEqual(30)
    expect(corpus.nearMisses.length).toBeGreaterThanOrEqual(30)
  })

  it('reuses one judgment for at least 80% of the paraphrases', () => {
    const hits = corpus.paraphrases.filter(([a, b]) => reuses(a, b)).length

    expect(hits / corpus.paraphrases.length).toBeGreaterThanOrEqual(0.8)
  })

  it.each(corpus.nearMisses.map(([a, b]) => ({ a, b })))('never reuses a judgment between near-misses: $a', ({ a, b }) => {
    expect(reuses(a, b)).toBe(false)
  })
})
