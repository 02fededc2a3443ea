import { Lexer, type Token } from 'marked'

/**
 * How a reader of GitHub-flavoured Markdown sees each part of a text: `prose` is read as
 * text, `code` is shown literally (fenced, indented and inline code), `hidden` is not
 * shown as text at all (HTML tags and comments, the content of `<pre>`, `<script>`,
 * `<style>`, `<template>` and `<noscript>`).
 */
export type SegmentKind = 'prose' | 'code' | 'hidden'
export type Segment = { kind: SegmentKind; text: string }

type Span = { kind: SegmentKind; raw: string }

/**
 * Elements whose content a reader never sees as text: GitHub strips scripts, styles,
 * templates and noscript content, and shows `<pre>` literally. Everything from such a
 * tag to its closing tag is hidden, across Markdown blocks.
 */
const hiddenElements = new Set(['script', 'style', 'template', 'noscript', 'pre'])

/** The walk through the tokens: spans found so far, and the closing tag that ends hidden content, when inside such an element. */
type Walk = { spans: Span[]; closing: RegExp | undefined }

/**
 * Where the markup starting with `<` at `open` ends: a comment, a declaration or a tag,
 * whose quoted attribute values may hold `>` and line breaks. Undefined when the `<` starts
 * no markup and is text.
 */
function markupEnd(raw: string, open: number): number | undefined {
  const after = (marker: string) => {
    const at = raw.indexOf(marker, open + 1)
    return at === -1 ? raw.length : at + marker.length
  }
  if (raw.startsWith('<!--', open)) return after('-->')
  if (/^<[!?]/.test(raw.slice(open, open + 2))) return after('>')
  if (!/^<\/?[a-z]/i.test(raw.slice(open, open + 3))) return undefined
  let quote: string | undefined
  let previous = ''
  for (let at = open + 1; at < raw.length; at++) {
    const char = raw[at]!
    if (quote) {
      if (char === quote) quote = undefined
      continue
    }
    if ((char === '"' || char === "'") && previous === '=') quote = char
    else if (char === '>') return at + 1
    if (!/\s/.test(char)) previous = char
  }
  return raw.length
}

/**
 * Splits raw HTML into its markup, which a reader does not see (tags with their attributes,
 * comments), the content of hidden elements, and the text between, which GitHub renders.
 */
function scanHtml(raw: string, walk: Walk): void {
  let at = 0
  while (at < raw.length) {
    if (walk.closing) {
      walk.closing.lastIndex = at
      const close = walk.closing.exec(raw)
      const end = close ? close.index + close[0].length : raw.length
      walk.spans.push({ kind: 'hidden', raw: raw.slice(at, end) })
      if (close) walk.closing = undefined
      at = end
      continue
    }
    let open = raw.indexOf('<', at)
    let end: number | undefined
    while (open !== -1 && (end = markupEnd(raw, open)) === undefined) open = raw.indexOf('<', open + 1)
    if (open === -1 || end === undefined) break
    walk.spans.push({ kind: 'prose', raw: raw.slice(at, open) })
    const markup = raw.slice(open, end)
    walk.spans.push({ kind: 'hidden', raw: markup })
    const name = /^<([a-z][a-z0-9-]*)/i.exec(markup)?.[1]?.toLowerCase()
    if (name && hiddenElements.has(name) && !markup.endsWith('/>')) walk.closing = new RegExp(`</${name}\\s*>`, 'gi')
    at = end
  }
  walk.spans.push({ kind: 'prose', raw: raw.slice(at) })
}

/** Code and hidden parts in document order; everything else is prose. */
function collectSpans(tokens: readonly Token[], walk: Walk): void {
  for (const token of tokens) {
    if (token.type === 'html') {
      scanHtml(token.raw, walk)
      continue
    }
    const children = childTokens(token)
    if (walk.closing && children.length === 0) {
      walk.spans.push({ kind: 'hidden', raw: token.raw })
      continue
    }
    if (token.type === 'code' || token.type === 'codespan') {
      walk.spans.push({ kind: 'code', raw: token.raw })
      continue
    }
    for (const list of children) collectSpans(list, walk)
  }
}

/** The token lists inside a token: a list's items, a table's cells, a block's inline tokens. */
function childTokens(token: Token): Token[][] {
  const lists: Token[][] = []
  if ('items' in token && Array.isArray(token.items)) lists.push(token.items as Token[])
  if ('header' in token && Array.isArray(token.header)) {
    for (const cell of [token.header, ...(token.rows as unknown[][])].flat() as { tokens: Token[] }[]) lists.push(cell.tokens)
  }
  if ('tokens' in token && Array.isArray(token.tokens)) lists.push(token.tokens)
  return lists
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
  const walk: Walk = { spans: [], closing: undefined }
  collectSpans(new Lexer({ gfm: true }).lex(text), walk)
  const segments: Segment[] = []
  const push = (kind: SegmentKind, part: string) => {
    if (part === '') return
    const last = segments.at(-1)
    if (last?.kind === kind) last.text += part
    else segments.push({ kind, text: part })
  }
  let cursor = 0
  for (const span of walk.spans) {
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
