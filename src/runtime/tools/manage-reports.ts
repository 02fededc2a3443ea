import { z } from 'zod'
import { escalateItem, escalationHolder, unblockItem } from '../../mirror/escalation.ts'
import { getWorkItem, type WorkItem } from '../../store/work-items.ts'
import { cleanOutput } from '../output-hygiene.ts'
import { defineTool, ToolRefusal, type ToolContext } from '../tool.ts'

/** A blocked item this manager may act on: owned by a direct report, or escalated to it. */
async function blockedItemOf(ctx: ToolContext, number: number): Promise<WorkItem> {
  const item = await getWorkItem(ctx.pool, ctx.repository, number)
  if (!item) throw new ToolRefusal(`no item #${number}`)
  if (item.status !== 'blocked') throw new ToolRefusal(`#${number} is ${item.status ?? 'without a status'}, not blocked`)
  const reports = ctx.roster.reportsOf(ctx.agent.slug).map((report) => report.slug)
  if (!reports.includes(item.owner_agent ?? '') && escalationHolder(ctx.roster, item) !== ctx.agent.slug) {
    throw new ToolRefusal(`#${number} belongs to ${item.owner_agent ?? 'nobody'}, who is not your direct report, and was not escalated to you`)
  }
  return item
}

const deps = (ctx: ToolContext) => ({
  pool: ctx.pool,
  log: ctx.log,
  roster: ctx.roster,
  owners: ctx.owners,
  wake: ctx.wake,
  botLogin: ctx.botLogin,
  metrics: ctx.metrics,
})

export const unblock = defineTool({
  name: 'unblock',
  description: "Answer a direct report's blocked item: it goes back to todo with your note, optionally reassigned to another of your direct reports.",
  parameters: z.strictObject({
    number: z.int().positive(),
    note: z.string().min(1).max(8_000),
    assignee: z
      .string()
      .regex(/^[a-z0-9-]+$/)
      .optional(),
  }),
  async run(ctx, { number, note, assignee }) {
    const item = await blockedItemOf(ctx, number)
    if (assignee && !ctx.roster.reportsOf(ctx.agent.slug).some((report) => report.slug === assignee)) {
      throw new ToolRefusal(`${assignee} is not one of your direct reports`)
    }
    await unblockItem(deps(ctx), ctx.octokit, item, { by: ctx.agent.slug, note: cleanOutput(note, { maxChars: 8_000 }), assignee })
    return `#${number} is back to todo${assignee ? ` for ${assignee}` : ''}.`
  },
})

export const escalate = defineTool({
  name: 'escalate',
  description: "Send a direct report's blocked item one level up your chain of command (from the CEO: to the humans who own the company).",
  parameters: z.strictObject({ number: z.int().positive(), reason: z.string().min(1).max(4_000) }),
  async run(ctx, { number, reason }) {
    const item = await blockedItemOf(ctx, number)
    const holder = escalationHolder(ctx.roster, item)
    if (holder !== ctx.agent.slug) throw new ToolRefusal(`#${number} is already escalated to ${holder}`)
    const target = await escalateItem(deps(ctx), ctx.octokit, item, { by: ctx.agent.slug, reason: cleanOutput(reason, { maxChars: 4_000 }) })
    return `#${number} is escalated to ${target}.`
  },
})
