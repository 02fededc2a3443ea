/**
 * An item's text reduced to what decides its priority, for the semantic cache (SPEC §17):
 * `words` (sorted, without duplicates) and `guard`, the numbers and negations, which must
 * be equal for two texts to count as the same. Case, punctuation, stop words, word order,
 * plural and tense endings and a few common synonyms are removed, so paraphrases meet;
 * a number or a "not" is never dropped, so "retry 3 times" and "retry 5 times" never do.
 */
export type NormalizedText = { words: string[]; guard: string[] }

// Kept short on purpose: a word dropped here can no longer tell two items apart.
const stopWords = new Set(
  (
    'a an the and or but if then else of to in on at by for from with into onto over under about as so than too very ' +
    'is are was were be been being am do does did doing done has have had having will would shall should can could may might must ' +
    'i me my we us our you your he she it its they them their this that these those there here what which who whom whose ' +
    'when whenever while where why how all any each every some such just also only still even again already yet ' +
    'please thanks thank hi hello issue bug problem ticket seem seems seemed appear appears get gets got getting ' +
    'happen happens happened occur occurs currently anymore really actually ca wo ' +
    'make makes made need needs want wants able whole full entire stay stays instead'
  ).split(' '),
)

const negations = new Set(['not', 'no', 'never', 'without', 'none', 'nothing', 'cannot', 'nor'])

const numberWords: Record<string, string> = {
  zero: '0',
  one: '1',
  two: '2',
  three: '3',
  four: '4',
  five: '5',
  six: '6',
  seven: '7',
  eight: '8',
  nine: '9',
  ten: '10',
  twice: '2',
  once: '1',
}

/** Words people use for the same thing in an issue title, mapped to one (after stemming). */
const synonyms: Record<string, string> = {
  crash: 'fail',
  break: 'fail',
  broke: 'fail',
  broken: 'fail',
  fails: 'fail',
  failure: 'fail',
  repair: 'fix',
  resolve: 'fix',
  screen: 'page',
  view: 'page',
  display: 'show',
  render: 'show',
  remove: 'delete',
  erase: 'delete',
  sluggish: 'slow',
  lag: 'slow',
  laggy: 'slow',
  documentation: 'doc',
  document: 'doc',
  docs: 'doc',
  readme: 'doc',
  signin: 'login',
  logon: 'login',
  app: 'application',
  doesnt: 'not',
  dont: 'not',
  isnt: 'not',
  wont: 'not',
  cant: 'not',
  blank: 'empty',
  startup: 'start',
  launch: 'start',
  boot: 'start',
}

/**
 * Plural and tense endings off, then a final "e", so "crashes", "crashed" and "crashing"
 * are one word, and so are "include" and "included".
 */
function stem(word: string): string {
  const stemmed = stripEnding(word)
  return stemmed.length > 3 && stemmed.endsWith('e') ? stemmed.slice(0, -1) : stemmed
}

function stripEnding(word: string): string {
  if (word.length <= 3) return word
  if (word.endsWith('ies') && word.length > 4) return `${word.slice(0, -3)}y`
  if (word.endsWith('ing') && word.length > 5) return undouble(word.slice(0, -3))
  if (word.endsWith('ed') && !word.endsWith('eed') && word.length > 4) return undouble(word.slice(0, -2))
  if (word.endsWith('ly') && word.length > 5) return word.slice(0, -2)
  if (/(ss|sh|ch|x|z)es$/.test(word)) return word.slice(0, -2)
  if (word.endsWith('es') && word.length > 4) return word.slice(0, -1)
  if (word.endsWith('s') && !word.endsWith('ss')) return word.slice(0, -1)
  return word
}

/** "stopped" → "stopp" → "stop"; "failed" → "fail" is left alone. */
function undouble(word: string): string {
  return /([bdgmnprt])\1$/.test(word) ? word.slice(0, -1) : word
}

export function normalizeText(text: string): NormalizedText {
  const raw = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/n['’]t\b/g, ' not')
    .split(/[^a-z0-9]+/)
  const words = new Set<string>()
  const guard = new Set<string>()
  for (const token of raw) {
    if (token === '' || stopWords.has(token)) continue
    const mapped = numberWords[token] ?? synonyms[token] ?? token
    if (negations.has(mapped) || mapped === 'not') {
      guard.add('not')
      continue
    }
    // "v1", "node20" and "30" are versions and quantities: another one is another item.
    if (/\d/.test(mapped)) {
      guard.add(mapped.replace(/\d+/g, (digits) => String(Number(digits.slice(0, 15)))))
      continue
    }
    const stemmed = stem(mapped)
    const word = synonyms[stemmed] ?? stemmed
    if (word === 'not') guard.add('not')
    else if (!stopWords.has(word)) words.add(word)
  }
  return { words: [...words].sort(), guard: [...guard].sort() }
}
