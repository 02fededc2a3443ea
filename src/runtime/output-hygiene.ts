/**
 * What a model writes is neutralized before it reaches GitHub (SPEC §7): it cannot
 * forge Gaffer's provenance markers, notify people, or close issues by keyword.
 */
export function cleanOutput(text: string, options: { maxChars: number; allowClosingKeywords?: boolean }): string {
  let out = text
    .replace(/<!--[\s\S]*?(-->|$)/g, '')
    // @mentions become code, which GitHub does not notify.
    .replace(/(^|[^\w`/])@([A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\/[A-Za-z0-9_.-]+)?)/g, '$1`@$2`')
  if (!options.allowClosingKeywords) {
    out = out.replace(
      /\b(close[sd]?|fix(?:e[sd])?|resolve[sd]?)(:?\s+)((?:[\w.-]+\/[\w.-]+)?#\d+)/gi,
      (_, keyword: string, gap: string, reference: string) => `${keyword}${gap}\`${reference}\``,
    )
  }
  out = out.trim()
  return out.length > options.maxChars ? `${out.slice(0, options.maxChars)}\n\n[… cut at ${options.maxChars} characters]` : out
}
