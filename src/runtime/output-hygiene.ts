import { markdownSegments } from '../company/visible-text.ts'

/** Removes HTML comments until none is left, so a comment nested in another cannot survive the first pass. */
export function stripHtmlComments(text: string): string {
  let out = text
  for (let previous = ''; previous !== out;) {
    previous = out
    out = out.replace(/<!--[\s\S]*?(-->|$)/g, '')
  }
  return out.replace(/<!--|-->/g, '')
}

/**
 * Applies `transform` to the parts of Markdown text that are not code (fenced, indented
 * or inline): GitHub notifies nobody and closes nothing inside code, and what is code
 * is decided by the same Markdown scanner that reads commands.
 */
function outsideCode(text: string, transform: (prose: string) => string): string {
  let out = ''
  let prose = ''
  for (const segment of markdownSegments(text)) {
    if (segment.kind !== 'code') {
      prose += segment.text
      continue
    }
    out += transform(prose) + segment.text
    prose = ''
  }
  return out + transform(prose)
}

/**
 * What a model writes is neutralized before it reaches GitHub (SPEC §7): it cannot
 * forge Gaffer's provenance markers, notify people, or close issues by keyword.
 */
export function cleanOutput(text: string, options: { maxChars: number }): string {
  let out = stripHtmlComments(text).trim()
  const cut = out.length > options.maxChars
  if (cut) out = out.slice(0, options.maxChars)
  out = outsideCode(out, (prose) => {
    // @mentions become code, which GitHub does not notify.
    const result = prose.replace(/(^|[^A-Za-z0-9`/.@-])@([A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\/[A-Za-z0-9_.-]+)?)/g, '$1`@$2`')
    // Closing keywords become code too: only Gaffer itself links a pull request to the item it closes.
    return result.replace(
      /\b(close[sd]?|fix(?:e[sd])?|resolve[sd]?)(:?\s+)((?:[\w.-]+\/[\w.-]+)?#\d+|https?:\/\/\S+\/(?:issues|pull)\/\d+)/gi,
      (_, keyword: string, gap: string, reference: string) => `${keyword}${gap}\`${reference}\``,
    )
  })
  return cut ? `${out}\n\n[… cut at ${options.maxChars} characters]` : out
}
