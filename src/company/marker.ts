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

/** Where an item came from, as its marker says: the agent that opened it, its parent and its delegation depth. */
export type Provenance = { depth: number | undefined; parent: number | undefined; createdByAgent: string | undefined }

/**
 * The provenance of an issue, pull request or comment, or undefined when it must not
 * be believed. Only what the app's own bot login wrote is trusted (SPEC §7): anyone
 * else can type the same marker, and a marker they type is plain text.
 */
export function trustedProvenance(
  written: { author: string | null | undefined; body: string | null | undefined },
  botLogin: string,
): Provenance | undefined {
  const marker = trustedMarker(written, botLogin)
  if (!marker?.agent) return undefined
  return { depth: marker.depth, parent: marker.parent, createdByAgent: marker.agent }
}

/** The marker of something written by the app itself; undefined for anyone else's text. */
export function trustedMarker(written: { author: string | null | undefined; body: string | null | undefined }, botLogin: string): Marker | undefined {
  // An empty bot login would match nothing real, but never let it match a missing author.
  return botLogin !== '' && written.author === botLogin ? parseMarker(written.body) : undefined
}
