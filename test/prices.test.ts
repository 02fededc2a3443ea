import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../src/config/env.ts'
import { defaultFuses } from '../src/company/fuses.ts'
import { costOf, defaultPrices } from '../src/llm/prices.ts'

/** The ConfigError `loadConfig` throws for this environment; fails the test when it does not throw one. */
function problemsFor(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env)
  } catch (error) {
    if (error instanceof ConfigError) return error.problems
    throw error
  }
  throw new Error(`expected loadConfig to throw a ConfigError for ${JSON.stringify(env)}`)
}

describe('costOf', () => {
  it.each([
    ['gpt-4.1-mini', 1_000_000, 500_000, 1.2],
    ['gpt-4.1', 1_000_000, 1_000_000, 10],
    ['gpt-4o', 2_000, 1_000, 0.015],
    ['gpt-4o-mini', 0, 1_000_000, 0.6],
    ['o4-mini', 500_000, 0, 0.55],
    ['gpt-4.1-nano', 0, 0, 0],
    // Priced (so no warning) and free: the rehearsal model is rules, not a model.
    ['rehearsal', 1_000_000, 1_000_000, 0],
  ])('prices %s at %i prompt + %i completion tokens as %f USD', (model, promptTokens, completionTokens, usd) => {
    const cost = costOf(defaultPrices, model, { promptTokens, completionTokens })

    expect(cost).toBeDefined()
    expect(cost).toBeCloseTo(usd, 10)
  })

  it('charges prompt and completion tokens at their own prices', () => {
    const prices = { m: { input: 1, output: 100 } }

    const prompt = costOf(prices, 'm', { promptTokens: 1_000_000, completionTokens: 0 })
    const completion = costOf(prices, 'm', { promptTokens: 0, completionTokens: 1_000_000 })

    expect(prompt).toBeCloseTo(1, 10)
    expect(completion).toBeCloseTo(100, 10)
  })

  it('returns undefined for a model missing from the table', () => {
    const cost = costOf(defaultPrices, 'my-local-llama', { promptTokens: 1_000, completionTokens: 1_000 })

    expect(cost).toBeUndefined()
  })

  it('does not take a model from the object prototype', () => {
    const cost = costOf(defaultPrices, 'constructor', { promptTokens: 1_000, completionTokens: 1_000 })

    expect(cost).toBeUndefined()
  })
})

describe('loadConfig: GAFFER_PRICES', () => {
  it('uses the shipped prices when unset', () => {
    const config = loadConfig({})

    expect(config.prices).toEqual(defaultPrices)
  })

  it('adds a new model and overrides an existing one, keeping the rest', () => {
    const env = { GAFFER_PRICES: JSON.stringify({ 'my-model': { input: 0.5, output: 1.5 }, 'gpt-4.1-mini': { input: 1, output: 2 } }) }

    const config = loadConfig(env)

    expect(config.prices['my-model']).toEqual({ input: 0.5, output: 1.5 })
    expect(config.prices['gpt-4.1-mini']).toEqual({ input: 1, output: 2 })
    expect(config.prices['gpt-4o']).toEqual(defaultPrices['gpt-4o'])
    expect(costOf(config.prices, 'gpt-4.1-mini', { promptTokens: 1_000_000, completionTokens: 1_000_000 })).toBeCloseTo(3, 10)
  })

  it('accepts a free model', () => {
    const config = loadConfig({ GAFFER_PRICES: '{"local":{"input":0,"output":0}}' })

    expect(config.prices.local).toEqual({ input: 0, output: 0 })
  })

  it.each([
    ['invalid JSON', '{my-model: cheap}', /^GAFFER_PRICES: must be JSON/],
    ['a negative price', '{"my-model":{"input":-1,"output":1}}', /^GAFFER_PRICES: my-model\.input: /],
    ['a missing output price', '{"my-model":{"input":1}}', /^GAFFER_PRICES: my-model\.output: /],
    ['a price given as text', '{"my-model":{"input":"1","output":1}}', /^GAFFER_PRICES: my-model\.input: /],
    ['an unknown key', '{"my-model":{"input":1,"output":1,"cached":0.1}}', /^GAFFER_PRICES: /],
    ['a list instead of a table', '[1,2]', /^GAFFER_PRICES: /],
  ])('rejects %s with a GAFFER_PRICES line', (_, value, line) => {
    const problems = problemsFor({ GAFFER_PRICES: value })

    expect(problems).toContainEqual(expect.stringMatching(line))
  })
})

describe('loadConfig: GAFFER_FUSES', () => {
  it('uses the default fuses when unset', () => {
    const config = loadConfig({})

    expect(config.fuses).toEqual(defaultFuses)
  })

  it('overrides only the fuse given', () => {
    const config = loadConfig({ GAFFER_FUSES: '{"maxDepth":3}' })

    expect(config.fuses).toEqual({ ...defaultFuses, maxDepth: 3 })
  })

  it.each([
    ['an unknown fuse', '{"maxDeph":3}'],
    ['a zero limit', '{"maxDepth":0}'],
    ['a fractional limit', '{"maxChildrenPerItem":2.5}'],
    ['invalid JSON', 'maxDepth=3'],
  ])('rejects %s with a GAFFER_FUSES line', (_, value) => {
    const problems = problemsFor({ GAFFER_FUSES: value })

    expect(problems).toContainEqual(expect.stringMatching(/^GAFFER_FUSES: /))
  })
})

describe('loadConfig: GAFFER_COMMENT_ACCESS', () => {
  it('defaults to writers', () => {
    const config = loadConfig({})

    expect(config.commentAccess).toBe('writers')
  })

  it.each([['writers'], ['everyone'], [' everyone ']])('accepts %j', (value) => {
    const config = loadConfig({ GAFFER_COMMENT_ACCESS: value })

    expect(config.commentAccess).toBe(value.trim())
  })

  it.each([['all'], ['Everyone'], ['public']])('rejects %j and names the allowed values', (value) => {
    const problems = problemsFor({ GAFFER_COMMENT_ACCESS: value })

    expect(problems).toEqual([`GAFFER_COMMENT_ACCESS: must be writers or everyone (got "${value}")`])
  })
})
