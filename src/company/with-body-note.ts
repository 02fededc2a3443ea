/**
 * A body with `note` as a visible paragraph at its end (before the hidden marker, which
 * stays last), or the body as it is when the note is already in it: a write that is
 * retried, or edited again, never shows the note twice.
 */
export function withBodyNote(body: string, note: string): string {
  if (body.includes(note)) return body
  const marker = /\n*(<!--\s*gaffer:[^>]*?-->)\s*$/.exec(body)
  if (!marker) return `${body.trimEnd()}\n\n${note}`
  return `${body.slice(0, marker.index).trimEnd()}\n\n${note}\n\n${marker[1]}`
}
