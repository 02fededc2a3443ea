import { z } from 'zod'
import { ReviewFields } from '../tools/review-pull-request.ts'

const CliVerdict = z.object(ReviewFields)
export type CliVerdict = z.infer<typeof CliVerdict>

/**
 * A CLI reviewer's verdict: the last JSON object in its report, checked against the same
 * fields as review_pull_request. Anything else (no JSON, a score out of range, an unknown
 * verdict) is an error naming what was wrong, so the gate stays closed and people see why.
 */
export function parseReviewVerdict(report: string): { verdict: CliVerdict } | { error: string } {
  const objects = jsonObjectsIn(report)
  const last = objects.at(-1)
  if (last === undefined)
    return { error: 'the report ends without a JSON verdict {"score": 0-100, "verdict": "approve" | "request_changes", "summary": "…"}' }
  const parsed = CliVerdict.safeParse(last)
  if (!parsed.success)
    return {
      error: `the verdict ${JSON.stringify(last).slice(0, 200)} is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'verdict'}: ${i.message}`).join('; ')}`,
    }
  return { verdict: parsed.data }
}

/** The outermost JSON objects in free text, in order; a CLI may wrap its verdict in prose or a code fence. */
function jsonObjectsIn(text: string): unknown[] {
  const found: unknown[] = []
  let index = text.indexOf('{')
  while (index !== -1) {
    const end = matchingBrace(text, index)
    const value = end === undefined ? undefined : parseObject(text.slice(index, end + 1))
    if (value !== undefined) {
      found.push(value)
      index = text.indexOf('{', end! + 1)
    } else {
      index = text.indexOf('{', index + 1)
    }
  }
  return found
}

function matchingBrace(text: string, start: number): number | undefined {
  let depth = 0
  let inString = false
  for (let i = start; i < text.length; i++) {
    const char = text[i]
    if (inString) {
      if (char === '\\') i++
      else if (char === '"') inString = false
    } else if (char === '"') inString = true
    else if (char === '{') depth++
    else if (char === '}' && --depth === 0) return i
  }
  return undefined
}

function parseObject(candidate: string): unknown {
  try {
    const value: unknown = JSON.parse(candidate)
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : undefined
  } catch {
    return undefined
  }
}
