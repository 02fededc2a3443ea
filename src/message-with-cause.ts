/**
 * An error's message, and its innermost cause's when that says more: "fetch failed" or
 * "Connection error." alone do not say what failed; `connect ECONNREFUSED 127.0.0.1:5432`
 * or a certificate error does. A link without a message (undici's AggregateError) is
 * named by its code.
 */
export function messageWithCause(error: unknown): string {
  const texts: string[] = []
  for (let at: unknown = error, depth = 0; at !== undefined && at !== null && depth < 10; depth += 1) {
    const text = at instanceof Error ? at.message || codeOf(at) : String(at)
    if (text) texts.push(text)
    at = at instanceof Error ? at.cause : undefined
  }
  const first = texts[0]
  const last = texts.at(-1)
  if (first === undefined) return error instanceof Error ? `${error.name} without a message` : String(error)
  return last !== undefined && !first.includes(last) ? `${first} (${last})` : first
}

function codeOf(error: Error): string {
  const code = (error as { code?: unknown }).code
  return typeof code === 'string' ? code : ''
}
