import { z } from 'zod'
import type { StatusEvent } from '../../company/status-machine.ts'
import { cleanOutput } from '../output-hygiene.ts'
import { transition } from '../../company/status-machine.ts'
import { defineTool, ToolRefusal } from '../tool.ts'

const events: Record<'review' | 'blocked' | 'done', StatusEvent> = { review: 'submit_for_review', blocked: 'block', done: 'finish' }

export const setStatus = defineTool({
  name: 'set_status',
  description:
    'Set the current item\'s status: "review" when a deliverable is ready, "done" when the item is finished, "blocked" (with a reason) when you cannot proceed; your manager is then asked.',
  parameters: z.strictObject({ status: z.enum(['review', 'blocked', 'done']), reason: z.string().max(4_000).optional() }),
  async run(ctx, { status, reason }) {
    if (status === 'blocked') {
      if (!reason?.trim()) throw new ToolRefusal('blocked needs a reason: say exactly what you need and from whom')
      const item = ctx.item()
      const next = transition(item.status, 'block')
      if (!next.ok) throw new ToolRefusal(next.reason)
      // Through the run's own status writer: the block happens only while this run still holds the item.
      if (!(await ctx.setStatus('block', cleanOutput(reason, { maxChars: 4_000 })))) throw new ToolRefusal('the item is no longer yours to block')
      return `#${item.number} is now blocked; ${ctx.roster.managerOf(ctx.agent.slug)?.slug ?? 'the humans'} will be asked.`
    }
    if (!(await ctx.setStatus(events[status]))) {
      throw new ToolRefusal(`the item cannot go to ${status} from ${ctx.item().status ?? 'no status'}`)
    }
    return `#${ctx.item().number} is now ${status}.`
  },
})
