/** How deeply a webhook body may nest; GitHub's payloads stay well under ten levels. */
export const MAX_PAYLOAD_DEPTH = 64

export type ParsedPayload = { ok: true; payload: Record<string, unknown> } | { ok: false; error: string }

/**
 * A signed webhook body as the object every handler expects. Depth is measured on the
 * text before parsing, so a body nested thousands deep is refused without building it
 * and never reaches a recursive validator; `null`, strings, numbers and arrays are
 * valid JSON but no webhook, and are refused too.
 */
export function parsePayload(body: string): ParsedPayload {
  const depth = nestingDepth(body)
  if (depth > MAX_PAYLOAD_DEPTH) return { ok: false, error: `payload nests ${depth} levels deep; at most ${MAX_PAYLOAD_DEPTH} are accepted` }
  let value: unknown
  try {
    value = JSON.parse(body)
  } catch {
    return { ok: false, error: 'payload is not valid JSON' }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, error: `payload must be a JSON object, not ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}` }
  }
  return { ok: true, payload: value as Record<string, unknown> }
}

/** The deepest bracket nesting of a JSON text, ignoring brackets inside strings. */
function nestingDepth(text: string): number {
  let depth = 0
  let deepest = 0
  let inString = false
  for (let i = 0; i < text.length; i += 1) {
    const char = text.charCodeAt(i)
    if (inString) {
      if (char === 0x5c)
        i += 1 // a backslash escapes the next character
      else if (char === 0x22) inString = false
    } else if (char === 0x22) inString = true
    else if (char === 0x7b || char === 0x5b) deepest = Math.max(deepest, (depth += 1))
    else if (char === 0x7d || char === 0x5d) depth -= 1
  }
  return deepest
}
