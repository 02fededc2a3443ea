import { z } from 'zod'
import { cleanOutput } from '../output-hygiene.ts'
import { defineTool, ToolRefusal } from '../tool.ts'
import { approvalNote } from './approval.ts'

export const requestApproval = defineTool({
  name: 'request_approval',
  description: 'Ask a human to approve before you go on (the item waits in needs-approval until someone comments /approve or /reject).',
  parameters: z.strictObject({ summary: z.string().min(1).max(8_000) }),
  async run(ctx, { summary }) {
    const note = approvalNote(ctx, cleanOutput(summary, { maxChars: 8_000 }))
    if (!(await ctx.setStatus('request_approval', note))) throw new ToolRefusal('approval can only be requested while the item is in progress')
    return `#${ctx.item().number} now waits for approval.`
  },
})
