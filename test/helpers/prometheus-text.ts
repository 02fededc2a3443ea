/**
 * The sum of the samples of `name` in a Prometheus text exposition whose labels include
 * `labels` (0 when there is none), so a test can read `gaffer_claims_total{agent="ceo"}`
 * without caring about the other labels or their order.
 */
export function sampleSum(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0
  for (const line of text.split('\n')) {
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (!sample || sample[1] !== name) continue
    const has = new Map([...(sample[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]))
    if (Object.entries(labels).every(([key, value]) => has.get(key) === value)) sum += Number(sample[3])
  }
  return sum
}
