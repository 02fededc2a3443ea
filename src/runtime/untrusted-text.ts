import { stripHtmlComments } from './output-hygiene.ts'

/**
 * Issue bodies and comments are data, not instructions (SPEC §7). Before they reach a
 * model: HTML comments (where hidden instructions and forged markers hide), zero-width
 * and control characters go, sizes are capped, and the text is fenced as quoted data.
 */
export function cleanUntrusted(text: string, maxChars: number): string {
  const cleaned = stripHtmlComments(text)
    .replace(/[\u200B-\u200F\u2028-\u202F\u2060-\u206F\uFEFF]/g, '')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g, '')
    .trim()
  return cleaned.length > maxChars ? `${cleaned.slice(0, maxChars)}\n[… cut at ${maxChars} characters]` : cleaned
}

/** Wraps text in a fence longer than any run of backticks inside it, so it cannot close the fence. */
export function fence(text: string, label: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length))
  const ticks = '`'.repeat(longest + 1)
  return `${ticks}${label}\n${text}\n${ticks}`
}
