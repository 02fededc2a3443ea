import { readFile } from 'node:fs/promises'
import { performance } from 'node:perf_hooks'
import { textSignature } from '../src/company/text-signature.ts'
import { createModelClient } from '../src/llm/model-client.ts'
import { createLogger } from '../src/log.ts'
import type { RosterRegistry } from '../src/mirror/roster-registry.ts'
import { askPriorityModel } from '../src/priority/ask-priority-model.ts'
import { cachedJudgment } from '../src/priority/cached-judgment.ts'
import { createPriorityJudge } from '../src/priority/judge-priorities.ts'
import { loadRosterDir, shippedAgentsDir } from '../src/roster/load-roster.ts'
import { migrate } from '../src/store/migrate.ts'
import { createPool, type Pool } from '../src/store/pool.ts'
import { cacheJudgment } from '../src/store/priority-cache.ts'
import { startScriptedModel } from '../test/helpers/scripted-model.ts'
import { percentile, sortedCopy, type Row } from './stats.ts'

type Corpus = { paraphrases: Array<[string, string]>; nearMisses: Array<[string, string]> }

const MODEL = 'gpt-4.1-mini'
const LOOKUPS = 2_000
/** Other repositories' judgments in the cache while the lookups run, so the index has work to do. */
const FILLER = 5_000

const split = (text: string) => {
  const [title = '', ...body] = text.split('\n')
  return { title, body: body.join('\n') }
}
const signatureOf = (text: string) => {
  const { title, body } = split(text)
  return textSignature(title, body)
}
const ms = (value: number) => `${value.toFixed(3)} ms`

/**
 * The semantic priority cache (SPEC §17): a cache answer's p50 beside a model call's (the
 * real openai client against our scripted server, which answers at once: the floor of any
 * model), the hit rate on the paraphrase corpus and its false matches on the near-misses,
 * and the model calls the judge makes for every text of the corpus as new items.
 */
export async function benchPriority(databaseUrl: string): Promise<{ rows: Row[]; raw: Record<string, unknown> }> {
  const corpus = JSON.parse(await readFile(new URL('../test/fixtures/priority-paraphrases.json', import.meta.url), 'utf8')) as Corpus
  const pool = createPool(databaseUrl, 4)
  const model = await startScriptedModel({
    whenIdle: { toolCalls: [{ name: 'judge_priority', arguments: { urgency: 'high', impact: 'normal', unblocks: '', reason: 'bench' } }] },
  })
  try {
    await migrate(pool)
    const now = new Date()
    const judgment = { adjustment: 100, why: 'urgency high, impact normal: bench' }

    // Hit rate and false matches: each pair in a repository of its own, the first text judged, the second looked up.
    const decide = async (pairs: Array<[string, string]>, kind: string) => {
      let hits = 0
      for (const [index, [first, second]] of pairs.entries()) {
        const repository = `bench/${kind}-${index}`
        await cacheJudgment(pool, { repository, model: MODEL, ...signatureOf(first), ...judgment }, now)
        if (await cachedJudgment(pool, { repository, model: MODEL }, signatureOf(second), now)) hits += 1
      }
      return hits
    }
    const hits = await decide(corpus.paraphrases, 'paraphrase')
    const falseMatches = await decide(corpus.nearMisses, 'near-miss')

    // Lookup latency: a hit (signature of the text, the band query, the similarity check) among FILLER other entries.
    for (let index = 0; index < FILLER; index += 1) {
      const text = `Filler item ${index}\nComponent c${index % 97} misbehaves under load ${index % 13} in region r${index % 7}.`
      await cacheJudgment(pool, { repository: `bench/filler-${index % 50}`, model: MODEL, ...signatureOf(text), ...judgment }, now)
    }
    const lookups: number[] = []
    for (let index = 0; index < LOOKUPS; index += 1) {
      const [first, second] = corpus.paraphrases[index % corpus.paraphrases.length]!
      const { title, body } = split(index % 2 === 0 ? first : second)
      const started = performance.now()
      await cachedJudgment(
        pool,
        { repository: `bench/paraphrase-${index % corpus.paraphrases.length}`, model: MODEL },
        textSignature(title, body),
        now,
      )
      lookups.push(performance.now() - started)
    }

    // Baseline: the same judgment asked of the model, through the client every agent uses.
    const client = createModelClient({ apiKey: 'bench', baseUrl: model.url, timeoutMs: 30_000, maxRetries: 0 })
    const calls: number[] = []
    for (let index = 0; index < 200; index += 1) {
      const { title, body } = split(corpus.paraphrases[index % corpus.paraphrases.length]![0])
      const started = performance.now()
      await askPriorityModel(client, { model: MODEL, title, body, signal: AbortSignal.timeout(30_000) })
      calls.push(performance.now() - started)
    }

    const items = await judgeCorpusAsNewItems(pool, corpus, model.url)
    const asked = model.requests.length - calls.length
    const lookupP50 = percentile(sortedCopy(lookups), 50)
    const callP50 = percentile(sortedCopy(calls), 50)
    const perHundred = (asked / items) * 100
    return {
      rows: [
        {
          measure: 'cache answer p50 (p95)',
          gaffer: `${ms(lookupP50)} (${ms(percentile(sortedCopy(lookups), 95))})`,
          baseline: `${ms(callP50)} (${ms(percentile(sortedCopy(calls), 95))})`,
          note: `${LOOKUPS} hits among ${FILLER} other judgments: signature, band query, similarity. Baseline: one judgment asked through the openai client of a scripted server that answers at once, the floor of any model; a hosted model takes seconds.`,
        },
        {
          measure: 'hit rate on paraphrases',
          gaffer: `${hits}/${corpus.paraphrases.length} (${((hits / corpus.paraphrases.length) * 100).toFixed(0)}%)`,
          baseline: 'goal ≥ 80%',
          note: 'test/fixtures/priority-paraphrases.json; the normalizer and its threshold were set on this corpus, so this is an in-sample figure',
        },
        {
          measure: 'false matches on near-misses',
          gaffer: `${falseMatches}/${corpus.nearMisses.length}`,
          baseline: 'goal 0',
          note: 'same words but another component, number or negation',
        },
        {
          measure: 'model calls per 100 new items',
          gaffer: perHundred.toFixed(0),
          baseline: '100',
          note: `every text of the corpus (${items}) opened as a new item, judged one after another; baseline: one call per item without the cache. A third of the corpus are paraphrases, so this shows the mechanism, not a real backlog's saving.`,
        },
      ],
      raw: { hits, falseMatches, lookupP50, callP50, asked, items },
    }
  } finally {
    await model.close()
    await pool.end()
  }
}

/** Every distinct text of the corpus as an open item of one repository, judged by the real judge; returns how many. */
async function judgeCorpusAsNewItems(pool: Pool, corpus: Corpus, modelUrl: string): Promise<number> {
  const texts = [...new Set([...corpus.paraphrases, ...corpus.nearMisses].flat())]
  const repository = 'bench/new-items'
  await pool.query('insert into repositories (full_name, installation_id) values ($1, 1) on conflict do nothing', [repository])
  for (const [index, text] of texts.entries()) {
    const { title, body } = split(text)
    await pool.query(`insert into work_items (repository, number, kind, title, body, state) values ($1, $2, 'issue', $3, $4, 'open')`, [
      repository,
      index + 1,
      title,
      body,
    ])
  }
  const shipped = await loadRosterDir(shippedAgentsDir)
  if (!shipped.roster) throw new Error('the shipped org in agents/ is invalid')
  const roster = shipped.roster
  const judge = createPriorityJudge({
    pool,
    log: createLogger('error'),
    model: createModelClient({ apiKey: 'bench', baseUrl: modelUrl, timeoutMs: 30_000, maxRetries: 0 }),
    modelName: MODEL,
    prices: {},
    rosters: { get: () => roster } as unknown as RosterRegistry,
    now: () => new Date(),
  })
  for (let judged = 0; judged < texts.length;) {
    const tally = await judge.judgeDue()
    const passed = tally.asked + tally.cached + tally.formula
    if (passed === 0) throw new Error('the judge left items unjudged')
    judged += passed
  }
  return texts.length
}
