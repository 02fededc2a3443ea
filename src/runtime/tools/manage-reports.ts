import { z } from 'zod'
import { agentLabel, NEEDS_HUMAN_LABEL } from '../../company/labels.ts'
import { transition } from '../../company/status-machine.ts'
import { writeStatus } from '../../mirror/write-status.ts'
import { getWorkItem, type WorkItem } from '../../store/work-items.ts'
import { appendAudit } from '../../store/audit-log.ts'
import { cleanOutput } from '../output-hygiene.ts'
import { defineTool, ToolRefusal, type ToolContext } from '../tool.ts'

/** A blocked item this manager may act on: owned by a direct report, or escalated to it. */
async function blockedItemOf(ctx: ToolContext, number: number): Promise<WorkItem> {
  const item = await getWorkItem(ctx.pool, ctx.repository, number)
  if (!item) throw new ToolRefusal(`no item #${number}`)
  if (item.status !== 'blocked') throw new ToolRefusal(`#${number} is ${item.status ?? 'without a status'}, not blocked`)
  const reports = ctx.roster.reportsOf(ctx.agent.slug).map((report) => report.slug)
  if (!reports.includes(item.owner_agent ?? '') && item.escalated_to !== ctx.agent.slug) {
    throw new ToolRefusal(`#${number} belongs to ${item.owner_agent ?? 'nobody'}, who is not your direct report, and was not escalated to you`)
  }
  return item
}

export const unblock = defineTool({
  name: 'unblock',
  description: "Answer a direct report's blocked item: it goes back to todo with your note, optionally reassigned to another of your direct reports.",
  parameters: z.strictObject({ number: z.int().positive(), note: z.string().min(1).max(8_000), assignee: z.string().regex(/^[a-z0-9-]+$/).optional() }),
  async run(ctx, { number, note, assignee }) {
    const item = await blockedItemOf(ctx, number)
    if (assignee && !ctx.roster.reportsOf(ctx.agent.slug).some((report) => report.slug === assignee)) {
      throw new ToolRefusal(`${assignee} is not one of your direct reports`)
    }
    const next = transition('blocked', 'unblock')
    if (!next.ok) throw new ToolRefusal(next.reason)
    const owner = assignee ?? item.owner_agent
    const labels = item.labels.filter((label) => !label.startsWith('agent:') && label !== NEEDS_HUMAN_LABEL).concat(owner ? [agentLabel(owner)] : [])
    await writeStatus(ctx, ctx.octokit, { ...item, labels }, next.to, `Unblocked by ${ctx.agent.name}: ${cleanOutput(note, { maxChars: 8_000 })}`)
    await ctx.pool.query(
      'update work_items set blocked_reason = null, escalated_to = null, escalation_level = 0, attempts = 0 where repository = $1 and number = $2',
      [ctx.repository, number],
    )
    await appendAudit(ctx.pool, { actor: ctx.agent.slug, action: 'unblock', repository: ctx.repository, target: number, outcome: 'todo', detail: { assignee: owner } })
    if (owner) ctx.wake?.(ctx.repository, owner)
    return `#${number} is back to todo${assignee ? ` for ${assignee}` : ''}.`
  },
})

export const escalate = defineTool({
  name: 'escalate',
  description: "Send a direct report's blocked item one level up your chain of command (from the CEO: to the humans who own the company).",
  parameters: z.strictObject({ number: z.int().positive(), reason: z.string().min(1).max(4_000) }),
  async run(ctx, { number, reason }) {
    const item = await blockedItemOf(ctx, number)
    const above = ctx.roster.managerOf(ctx.agent.slug)
    const why = cleanOutput(reason, { maxChars: 4_000 })
    const to = above ? `${above.name} (\`${above.slug}\`)` : ctx.owners.map((login) => `@${login}`).join(' ') || 'the owners of this company'
    const labels = above ? item.labels : [...new Set([...item.labels, NEEDS_HUMAN_LABEL])]
    await writeStatus(ctx, ctx.octokit, { ...item, labels }, 'blocked', `Escalated by ${ctx.agent.name} to ${to}: ${why}\n\nOriginally blocked: ${item.blocked_reason ?? 'no reason recorded'}`)
    await ctx.pool.query(
      'update work_items set escalated_to = $3, escalation_level = escalation_level + 1 where repository = $1 and number = $2',
      [ctx.repository, number, above?.slug ?? 'humans'],
    )
    await appendAudit(ctx.pool, { actor: ctx.agent.slug, action: 'escalate', repository: ctx.repository, target: number, outcome: above?.slug ?? 'humans' })
    return `#${number} is escalated to ${above ? above.slug : 'the humans'}.`
  },
})
