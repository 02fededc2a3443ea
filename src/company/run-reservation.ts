/** USD per one million tokens (the shape of the price table). */
type TokenPrice = { input: number; output: number }

export type ReservationInput = {
  /** The agent's `budget.runTokens`: the tokens one run may spend. */
  runTokens: number | undefined
  /** The price of the model the run uses, when the price table knows it. */
  price: TokenPrice | undefined
  /** A CLI runtime's time limit, and what a minute of a CLI that reports no usage costs. */
  cli?: { timeoutMinutes: number; usdPerMinute: number }
}

/**
 * What one run reserves from its agent's monthly budget before it starts: the most it is
 * expected to spend. A run's token budget at the dearer of its model's two prices; for a
 * CLI run, also its time limit at the per-minute charge, whichever is larger. Nothing is
 * known (no token budget or no price, no per-minute charge): 0, and runs then start while
 * the month's spend is under the budget, each able to overrun it by what it spends.
 */
export function runReservation(input: ReservationInput): number {
  const byTokens =
    input.runTokens !== undefined && input.price !== undefined ? (input.runTokens * Math.max(input.price.input, input.price.output)) / 1_000_000 : 0
  const byMinutes = input.cli ? input.cli.timeoutMinutes * input.cli.usdPerMinute : 0
  return Math.max(byTokens, byMinutes)
}
