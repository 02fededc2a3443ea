import { z } from 'zod'
import { upsertMarkedComment } from '../../github/upsert-marked-comment.ts'
import { cleanOutput } from '../output-hygiene.ts'
import { defineTool } from '../tool.ts'

export const MAX_COMMENT_CHARS = 10_000

export const comment = defineTool({
  name: 'comment',
  description: 'Write your progress comment on the current item. You have one progress comment per item: calling this again replaces its text.',
  parameters: z.strictObject({ body: z.string().min(1).max(60_000) }),
  async run(ctx, { body }) {
    const item = ctx.item()
    await upsertMarkedComment(
      ctx.octokit,
      ctx.botLogin(),
      item,
      { kind: 'progress', agent: ctx.agent.slug, run: String(ctx.runId) },
      cleanOutput(body, { maxChars: MAX_COMMENT_CHARS }),
      ctx.comments,
    )
    return `Your progress comment on #${item.number} is saved.`
  },
})
