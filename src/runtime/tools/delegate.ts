import { z } from 'zod'
import { childrenListText, partOfLine } from '../../company/children-list.ts'
import { agentLabel, statusLabel } from '../../company/labels.ts'
import { blownDelegationFuse } from '../../company/fuses.ts'
import { withMarker } from '../../company/marker.ts'
import { GitHubIssue, toGitHubItem } from '../../github/schema.ts'
import { upsertMarkedComment } from '../../github/upsert-marked-comment.ts'
import { addSubIssue, createIssue } from '../../github/writes.ts'
import { countDelegations, findDelegatedChild } from '../../store/delegations.ts'
import { childrenOf } from '../../store/item-context.ts'
import { refreshItemPriority } from '../../store/priorities.ts'
import { upsertWorkItem } from '../../store/upsert-work-item.ts'
import { cleanOutput } from '../output-hygiene.ts'
import { defineTool, ToolRefusal, type ToolContext } from '../tool.ts'
import { approvalNote } from './approval.ts'

export type ChildIssue = { title: string; body: string; assignee: string; priority?: 'p0' | 'p1' | 'p2' | 'p3' | undefined }

// The sub-issue API takes the child's numeric id, which the mirror does not keep.
const CreatedIssue = GitHubIssue.extend({ id: z.int().positive() })

/**
 * Opens a child issue for a direct report: `agent:<assignee>`, `status:todo`, a visible
 * `Part of #N` first line and a marker with the parent and depth (SPEC §7). The parent's
 * children comment lists it, and GitHub gets it as a sub-issue of the parent where that
 * API exists. A child with the same title under the same parent is reused, so a retried
 * run does not open it twice. A blown fuse turns the delegation into an approval request.
 */
export async function openChildIssue(ctx: ToolContext, child: ChildIssue): Promise<string> {
  const reports = ctx.roster.reportsOf(ctx.agent.slug)
  if (!reports.some((report) => report.slug === child.assignee)) {
    throw new ToolRefusal(
      `${child.assignee} is not one of your direct reports; delegate to ${reports.map((r) => r.slug).join(', ') || 'nobody (you have no reports)'}`,
    )
  }
  const item = ctx.item()
  const title = cleanOutput(child.title.replace(/\s+/g, ' '), { maxChars: 200 })
  const existing = await findDelegatedChild(ctx.pool, { repository: ctx.repository, parent: item.number, title, agent: ctx.agent.slug })
  if (existing !== undefined) {
    ctx.done.delegated.push(existing)
    // A run that crashed after opening the child may not have listed it yet.
    await listChildren(ctx)
    return `Already delegated as #${existing}.`
  }
  const counts = await countDelegations(ctx.pool, { repository: ctx.repository, parent: item.number, agent: ctx.agent.slug, now: ctx.now() })
  const childDepth = item.delegation_depth + 1
  const blown = blownDelegationFuse({ childDepth, ...counts }, ctx.fuses)
  if (blown) {
    const summary = `${ctx.agent.name} wants to delegate "${title}" to \`${child.assignee}\`, but ${blown}.`
    await ctx.setStatus('request_approval', approvalNote(ctx, summary))
    return `Not delegated: ${blown}. The item now waits for a human approval.`
  }
  const provenance = { depth: childDepth, parent: item.number, createdByAgent: ctx.agent.slug }
  const marker = { agent: ctx.agent.slug, depth: childDepth, parent: item.number, run: String(ctx.runId) }
  const body = withMarker(`${partOfLine(item.number)}\n\n${cleanOutput(child.body, { maxChars: 20_000 })}`, marker)
  const labels = [agentLabel(child.assignee), statusLabel('todo'), ...(child.priority ? [`priority:${child.priority}`] : [])]
  const issue = CreatedIssue.parse(await createIssue(ctx.octokit, ctx.repository, { title, body, labels }))
  const created = toGitHubItem(ctx.repository, issue)
  await upsertWorkItem(ctx.pool, created, { provenance })
  await refreshItemPriority(ctx.pool, ctx.repository, created.number, ctx.now())
  ctx.done.delegated.push(created.number)
  ctx.wake?.(ctx.repository, child.assignee)
  await linkSubIssue(ctx, created.number, issue.id)
  await listChildren(ctx)
  return `Delegated as #${created.number} to ${child.assignee}.`
}

/** Makes the child a GitHub sub-issue of the item where GitHub allows it; a refusal is logged and ignored. */
async function linkSubIssue(ctx: ToolContext, child: number, childId: number): Promise<void> {
  if (ctx.done.subIssuesRefused !== undefined) return
  const item = ctx.item()
  const sub = await addSubIssue(ctx.octokit, item, childId)
  if (sub.added) return
  // 404/410: no sub-issues on this GitHub; 403: the app may not use them. Neither changes within a run.
  if (sub.status !== 422) ctx.done.subIssuesRefused = sub.status
  ctx.log.info(
    { item: `${ctx.repository}#${item.number}`, child, status: sub.status },
    'GitHub refused the sub-issue link; the child keeps its Part of line',
  )
}

/** Writes the parent's children comment from the mirror, edited in place on each delegation. */
async function listChildren(ctx: ToolContext): Promise<void> {
  const item = ctx.item()
  const children = await childrenOf(ctx.pool, ctx.repository, item.number)
  const entries = children.map((c) => ({ number: c.number, title: c.title, owner: c.owner_agent }))
  await upsertMarkedComment(ctx.octokit, ctx.botLogin(), item, { kind: 'children' }, childrenListText(item.number, entries), ctx.comments)
}

export const delegate = defineTool({
  name: 'delegate',
  description:
    'Create a child issue for one of your direct reports (assignee = their slug). After you delegate, the current item waits until its children are done, then comes back to you with their results.',
  parameters: z.strictObject({
    title: z.string().min(3).max(200),
    body: z.string().min(1).max(20_000),
    assignee: z.string().regex(/^[a-z0-9-]+$/),
    priority: z.enum(['p0', 'p1', 'p2', 'p3']).optional(),
  }),
  run: (ctx, args) => openChildIssue(ctx, args),
})
