/**
 * The hidden provenance marker on everything Gaffer writes (SPEC §7), e.g.
 * `<!-- gaffer:agent=backend-engineer depth=2 parent=12 run=42 -->`.
 * It makes writes findable (find-or-update instead of a second copy) and shows who wrote what.
 */
export type Marker = {
  kind?: string
  agent?: string
  depth?: number
  parent?: number
  run?: string
}

const markerPattern = /<!--\s*gaffer:([^>]*?)\s*-->/

export function formatMarker(marker: Marker): string {
  const fields = Object.entries(marker)
    .filter(([, value]) => value !== undefined && value !== '')
    // Slugs keep their hyphens; whitespace, ">" and "--" could end the comment or split a field.
    .map(([key, value]) => `${key}=${String(value).replace(/\s+|>|-{2,}/g, '_')}`)
  return `<!-- gaffer:${fields.join(' ')} -->`
}

export function parseMarker(body: string | null | undefined): Marker | undefined {
  const match = body ? markerPattern.exec(body) : null
  if (!match) return undefined
  const fields = Object.fromEntries(
    (match[1] ?? '')
      .split(/\s+/)
      .map((pair) => pair.split('='))
      .filter((pair): pair is [string, string] => pair.length === 2),
  )
  const int = (value: string | undefined) => (value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined)
  return {
    kind: fields.kind,
    agent: fields.agent,
    depth: int(fields.depth),
    parent: int(fields.parent),
    run: fields.run,
  }
}

/** Appends a marker to a body, replacing any marker already in it. */
export function withMarker(body: string, marker: Marker): string {
  return `${body.replace(new RegExp(markerPattern.source, 'g'), '').trimEnd()}\n\n${formatMarker(marker)}`
}
