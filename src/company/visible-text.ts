import { Lexer, type Token } from 'marked'

/**
 * How a reader of GitHub-flavoured Markdown sees each part of a text: `prose` is read as
 * text, `code` is shown literally (fenced, indented and inline code), `hidden` is not
 * shown as text at all (HTML comments, `<pre>` blocks).
 */
export type SegmentKind = 'prose' | 'code' | 'hidden'
export type Segment = { kind: SegmentKind; text: string }

type Span = { kind: 'code' | 'hidden'; raw: string }

const commentOrPre = /<!--[\s\S]*?(?:-->|$)|<pre[\s>][\s\S]*?(?:<\/pre\s*>|$)/gi

/** The comments and `<pre>` blocks inside raw HTML; the rest of it is rendered as text. */
function hiddenInHtml(raw: string): Span[] {
  return [...raw.matchAll(commentOrPre)].map((match) => ({ kind: 'hidden', raw: match[0] }))
}

/** Code and hidden parts in document order; everything else is prose. */
function collectSpans(tokens: readonly Token[], spans: Span[]): void {
  // An inline `<pre>` opens a raw block: what follows up to `</pre>` is not prose.
  let inPre = false
  for (const token of tokens) {
    if (inPre) {
      spans.push({ kind: 'hidden', raw: token.raw })
      if (token.type === 'html' && /<\/pre\s*>/i.test(token.raw)) inPre = false
      continue
    }
    switch (token.type) {
      case 'code':
      case 'codespan':
        spans.push({ kind: 'code', raw: token.raw })
        continue
      case 'html':
        if (!token.block && /^<pre[\s>]/i.test(token.raw)) {
          spans.push({ kind: 'hidden', raw: token.raw })
          inPre = true
        } else {
          spans.push(...hiddenInHtml(token.raw))
        }
        continue
    }
    if ('items' in token && Array.isArray(token.items)) collectSpans(token.items as Token[], spans)
    if ('header' in token && Array.isArray(token.header)) {
      for (const cell of [token.header, ...(token.rows as unknown[][])].flat() as { tokens: Token[] }[]) collectSpans(cell.tokens, spans)
    }
    if ('tokens' in token && Array.isArray(token.tokens)) collectSpans(token.tokens, spans)
  }
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/**
 * Where `raw` starts in `text` at or after `from`. Inside block quotes and list items the
 * lexer hands out lines without their `> ` or indentation, so those may come between lines.
 */
function locate(text: string, raw: string, from: number): { start: number; end: number } | undefined {
  const exact = text.indexOf(raw, from)
  if (exact !== -1) return { start: exact, end: exact + raw.length }
  const pattern = new RegExp(raw.split('\n').map(escapeRegExp).join('\\n[ \\t>]*'), 'g')
  pattern.lastIndex = from
  const match = pattern.exec(text)
  return match ? { start: match.index, end: match.index + match[0].length } : undefined
}

/**
 * Splits Markdown into what a reader sees as prose, as code and not at all, using the
 * `marked` lexer (CommonMark and GFM rules) rather than patterns of our own. The segments
 * joined give back the text, with line ends normalized to `\n`.
 */
export function markdownSegments(markdown: string): Segment[] {
  const text = markdown.replace(/\r\n?/g, '\n')
  const spans: Span[] = []
  collectSpans(new Lexer({ gfm: true }).lex(text), spans)
  const segments: Segment[] = []
  const push = (kind: SegmentKind, part: string) => {
    if (part === '') return
    const last = segments.at(-1)
    if (last?.kind === kind) last.text += part
    else segments.push({ kind, text: part })
  }
  let cursor = 0
  for (const span of spans) {
    if (span.raw === '') continue
    const found = locate(text, span.raw, cursor)
    if (!found) continue
    push('prose', text.slice(cursor, found.start))
    push(span.kind, text.slice(found.start, found.end))
    cursor = found.end
  }
  push('prose', text.slice(cursor))
  return segments
}

/**
 * The lines a reader sees, for finding what starts a line: hidden parts are gone, and
 * each line of code is one placeholder character, so code neither starts a line with
 * its own text nor lets the word after it start one.
 */
export function visibleLines(markdown: string): string[] {
  return markdownSegments(markdown)
    .map((segment) => (segment.kind === 'prose' ? segment.text : segment.kind === 'code' ? segment.text.replace(/[^\n]+/g, '\uFFFC') : ''))
    .join('')
    .split('\n')
}
