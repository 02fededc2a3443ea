import { z } from 'zod'
import { submitReview } from '../submit-review.ts'
import { defineTool } from '../tool.ts'

/** The verdict's shape, shared with a CLI reviewer's final JSON (`src/runtime/cli/review-verdict.ts`). */
export const ReviewFields = {
  score: z.int().min(0).max(100),
  verdict: z.enum(['approve', 'request_changes']),
  summary: z.string().min(1).max(20_000),
  rubric: z.record(z.string(), z.number()).optional(),
}

export const reviewPullRequest = defineTool({
  name: 'review_pull_request',
  description:
    'Review a pull request: a quality score 0-100 against your rubric, a verdict (approve or request_changes) and a summary with concrete fixes. Scores are kept per head commit.',
  parameters: z.strictObject({ number: z.int().positive(), ...ReviewFields }),
  run: (ctx, review) => submitReview(ctx, review),
})
