import { z } from 'zod'
import { agentLabel, statusLabel } from '../../company/labels.ts'
import { blownDelegationFuse } from '../../company/fuses.ts'
import { withMarker } from '../../github/marker.ts'
import { splitRepository } from '../../github/octokit.ts'
import { GitHubIssue, toGitHubItem } from '../../github/schema.ts'
import { refreshItemPriority } from '../../store/priorities.ts'
import { upsertWorkItem } from '../../store/work-items.ts'
import { cleanOutput } from '../output-hygiene.ts'
import { defineTool, ToolRefusal, type ToolContext } from '../tool.ts'
import { approvalNote } from './approval.ts'

export type ChildIssue = { title: string; body: string; assignee: string; priority?: 'p0' | 'p1' | 'p2' | 'p3' | undefined }

/**
 * Opens a child issue for a direct report: `agent:<assignee>`, `status:todo`, a marker
 * with the parent and depth. A child with the same title under the same parent is
 * reused, so a retried run does not open it twice. A blown fuse turns the delegation
 * into an approval request instead.
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
  const existing = await ctx.pool.query<{ number: number }>(
    'select number from work_items where repository = $1 and parent_number = $2 and title = $3 and created_by_agent = $4',
    [ctx.repository, item.number, title, ctx.agent.slug],
  )
  if (existing.rows[0]) {
    ctx.done.delegated.push(existing.rows[0].number)
    return `Already delegated as #${existing.rows[0].number}.`
  }
  const { rows } = await ctx.pool.query<{ children: number; last_hour: number; open_agent: number }>(
    `select (select count(*)::int from work_items where repository = $1 and parent_number = $2) as children,
            (select count(*)::int from work_items where repository = $1 and created_by_agent = $3
               and github_created_at > $4::timestamptz - interval '1 hour') as last_hour,
            (select count(*)::int from work_items where repository = $1 and created_by_agent is not null and state = 'open') as open_agent`,
    [ctx.repository, item.number, ctx.agent.slug, ctx.now()],
  )
  const counts = rows[0]!
  const childDepth = item.delegation_depth + 1
  const blown = blownDelegationFuse(
    { childDepth, children: counts.children, createdLastHour: counts.last_hour, openAgentIssues: counts.open_agent },
    ctx.fuses,
  )
  if (blown) {
    const summary = `${ctx.agent.name} wants to delegate "${title}" to \`${child.assignee}\`, but ${blown}.`
    await ctx.setStatus('request_approval', approvalNote(ctx, summary))
    return `Not delegated: ${blown}. The item now waits for a human approval.`
  }
  const { owner, repo } = splitRepository(ctx.repository)
  const body = withMarker(cleanOutput(child.body, { maxChars: 20_000 }), {
    agent: ctx.agent.slug,
    depth: childDepth,
    parent: item.number,
    run: String(ctx.runId),
  })
  const labels = [agentLabel(child.assignee), statusLabel('todo'), ...(child.priority ? [`priority:${child.priority}`] : [])]
  const { data } = await ctx.octokit.request('POST /repos/{owner}/{repo}/issues', { owner, repo, title, body, labels })
  const created = toGitHubItem(ctx.repository, GitHubIssue.parse(data))
  await upsertWorkItem(ctx.pool, created)
  await refreshItemPriority(ctx.pool, ctx.repository, created.number, ctx.now())
  ctx.done.delegated.push(created.number)
  ctx.wake?.(ctx.repository, child.assignee)
  return `Delegated as #${created.number} to ${child.assignee}.`
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
