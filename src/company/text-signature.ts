import { normalizeText, type NormalizedText } from './normalize-text.ts'

/**
 * The semantic cache's key (SPEC §17): a MinHash of the normalized words, cut into bands
 * (locality-sensitive hashing). Two texts whose word sets overlap enough share at least
 * one band key with high probability, so the cache finds candidates by band; a candidate
 * counts only when `textSimilarity` reaches `SIMILAR_ENOUGH` on the words themselves.
 * Every band key carries the numbers and negations too, so texts that differ in one of
 * them never even meet.
 */
export type TextSignature = NormalizedText & { bands: string[] }

/** 128 hashes in 32 bands of 4: a pair at Jaccard 0.8 meets in some band all but once in ten million, at 0.3 in 23%. */
export const SIGNATURE_HASHES = 128
export const BAND_ROWS = 4

/**
 * The least Jaccard similarity of two word sets (with equal numbers and negations) that
 * reuses a judgment. Set on test/fixtures/priority-paraphrases.json: most paraphrases keep
 * four words in five or more, while another component in a short issue (one word of seven
 * or eight swapped) leaves at most three in four.
 */
export const SIMILAR_ENOUGH = 0.8

/** Longer text adds nothing to what a priority depends on and only costs hashing. */
const MAX_CHARS = 4_000

const seeds = Array.from({ length: SIGNATURE_HASHES }, (_, index) => mix(0x9e3779b9 ^ Math.imul(index + 1, 0x85ebca6b)))

export function textSignature(title: string, body: string): TextSignature {
  const normalized = normalizeText(`${title}\n${body}`.slice(0, MAX_CHARS))
  if (normalized.words.length === 0) return { ...normalized, bands: [] }
  const minimums = new Array<number>(SIGNATURE_HASHES).fill(0xffffffff)
  for (const word of normalized.words) {
    const base = fnv1a(word)
    for (let index = 0; index < SIGNATURE_HASHES; index += 1) {
      const value = mix(base ^ seeds[index]!)
      if (value < minimums[index]!) minimums[index] = value
    }
  }
  const guard = fnv1a(normalized.guard.join(' '))
  const bands: string[] = []
  for (let band = 0; band < SIGNATURE_HASHES / BAND_ROWS; band += 1) {
    let hash = guard
    for (let row = 0; row < BAND_ROWS; row += 1) hash = mix(hash ^ minimums[band * BAND_ROWS + row]!)
    bands.push(`${band}:${hash.toString(16)}`)
  }
  return { ...normalized, bands }
}

/** Jaccard similarity of the word sets, 0 when the numbers or negations differ. */
export function textSimilarity(a: NormalizedText, b: NormalizedText): number {
  if (a.guard.join(' ') !== b.guard.join(' ')) return 0
  const mine = new Set(a.words)
  const shared = b.words.filter((word) => mine.has(word)).length
  const union = mine.size + b.words.length - shared
  return union === 0 ? 0 : shared / union
}

/** 32-bit FNV-1a of a string's UTF-16 code units. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5
  for (let index = 0; index < text.length; index += 1) hash = Math.imul(hash ^ text.charCodeAt(index), 0x01000193)
  return hash >>> 0
}

/** MurmurHash3's finalizer: spreads every input bit over the output, one hash function per seed. */
function mix(value: number): number {
  let hash = value >>> 0
  hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b)
  hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35)
  return (hash ^ (hash >>> 16)) >>> 0
}
