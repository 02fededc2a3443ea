import { z } from 'zod'
import { REHEARSAL_MODEL } from './rehearsal/rehearsal-model.ts'

/** USD per one million tokens. */
export type Price = { input: number; output: number }

/** List prices of common models; override or extend with GAFFER_PRICES. */
export const defaultPrices: Record<string, Price> = {
  'gpt-4.1': { input: 2, output: 8 },
  'gpt-4.1-mini': { input: 0.4, output: 1.6 },
  'gpt-4.1-nano': { input: 0.1, output: 0.4 },
  'gpt-4o': { input: 2.5, output: 10 },
  'gpt-4o-mini': { input: 0.15, output: 0.6 },
  'o4-mini': { input: 1.1, output: 4.4 },
  // The rehearsal model (src/llm/rehearsal/) is rules, not a model: its estimated tokens cost nothing.
  [REHEARSAL_MODEL]: { input: 0, output: 0 },
}

export const PriceTable = z.record(z.string(), z.strictObject({ input: z.number().min(0), output: z.number().min(0) }))

export type Usage = { promptTokens: number; completionTokens: number }

/** The cost of one call; a model missing from the table costs nothing (and the caller warns). */
export function costOf(prices: Record<string, Price>, model: string, usage: Usage): number | undefined {
  const price = Object.hasOwn(prices, model) ? prices[model] : undefined
  if (!price) return undefined
  return (usage.promptTokens * price.input + usage.completionTokens * price.output) / 1_000_000
}
