import { z } from 'zod'
import type { ModelAdjustment } from './priority.ts'

const level = z.enum(['low', 'normal', 'high', 'critical'])

/**
 * The model's answer about one item (SPEC §17): how urgent, how much it matters, what it
 * unblocks, and why. The model names levels, not points: the points come from the table
 * below, so no answer can move an item further than ±300 whatever its text asks for.
 */
export const PriorityJudgment = z.strictObject({
  urgency: level,
  impact: level,
  unblocks: z.string().max(200).default(''),
  reason: z.string().trim().min(1, 'reason must say why in a few words').max(300),
})
export type PriorityJudgment = z.infer<typeof PriorityJudgment>

const points: Record<z.infer<typeof level>, number> = { low: -150, normal: 0, high: 100, critical: 150 }

/** A valid judgment's points and its one-line reason, ready for `scorePriority`. */
export function adjustmentOf(judgment: PriorityJudgment): ModelAdjustment {
  const unblocks = singleLine(judgment.unblocks)
  const why = [`urgency ${judgment.urgency}`, `impact ${judgment.impact}`, ...(unblocks ? [`unblocks ${unblocks}`] : [])].join(', ')
  return { adjustment: points[judgment.urgency] + points[judgment.impact], why: `${why}: ${singleLine(judgment.reason)}`.slice(0, 400) }
}

export type ParsedJudgment = { ok: true; judgment: PriorityJudgment } | { ok: false; problem: string }

/**
 * Reads the model's answer: the arguments of its `judge_priority` call, or JSON in its
 * text. Anything else is a problem named for the log; the item keeps the formula.
 */
export function parseJudgment(answer: { toolArguments: string | undefined; content: string | null | undefined }): ParsedJudgment {
  const text = answer.toolArguments ?? answer.content ?? ''
  let json: unknown
  try {
    json = JSON.parse(text.replace(/^\s*```(?:json)?\s*|\s*```\s*$/g, ''))
  } catch {
    return { ok: false, problem: `the answer is not JSON: ${JSON.stringify(text.slice(0, 120))}` }
  }
  const parsed = PriorityJudgment.safeParse(json)
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'answer'}: ${issue.message}`)
    return { ok: false, problem: `the answer does not fit the judgment (${problems.join('; ')})` }
  }
  return { ok: true, judgment: parsed.data }
}

/** Model text lands in `priority_reason`: one line, no control characters. */
function singleLine(text: string): string {
  return (
    text
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u001F\u007F\u2028\u2029]+/g, ' ')
      .replace(/\s+/g, ' ')
      .trim()
  )
}
