import { z } from 'zod'
import type { StatusEvent } from '../../company/status-machine.ts'
import { cleanOutput } from '../output-hygiene.ts'
import { defineTool, ToolRefusal } from '../tool.ts'

const events: Record<'review' | 'blocked' | 'done', StatusEvent> = { review: 'submit_for_review', blocked: 'block', done: 'finish' }

export const setStatus = defineTool({
  name: 'set_status',
  description:
    'Set the current item\'s status: "review" when a deliverable is ready, "done" when the item is finished, "blocked" (with a reason) when you cannot proceed; your manager is then asked.',
  parameters: z.strictObject({ status: z.enum(['review', 'blocked', 'done']), reason: z.string().max(4_000).optional() }),
  async run(ctx, { status, reason }) {
    if (status === 'blocked' && !reason?.trim()) throw new ToolRefusal('blocked needs a reason: say exactly what you need and from whom')
    const manager = ctx.roster.managerOf(ctx.agent.slug)
    const cleaned = reason ? cleanOutput(reason, { maxChars: 4_000 }) : undefined
    const note =
      status === 'blocked'
        ? `Blocked: ${cleaned}\n\nEscalated to ${manager ? `${manager.name} (\`${manager.slug}\`)` : ctx.owners.map((o) => `@${o}`).join(' ') || 'the owners'}.`
        : undefined
    if (!(await ctx.setStatus(events[status], note))) {
      throw new ToolRefusal(`the item cannot go to ${status} from ${ctx.item().status ?? 'no status'}`)
    }
    if (status === 'blocked') {
      await ctx.pool.query(
        'update work_items set blocked_reason = $3, escalated_to = $4, escalation_level = 1 where repository = $1 and number = $2',
        [ctx.repository, ctx.item().number, cleaned, manager?.slug ?? 'humans'],
      )
    }
    return `#${ctx.item().number} is now ${status}.`
  },
})
