import { parseCommands, mayRun, type Command } from '../company/commands.ts'
import { HOLD_LABEL, priorityLabels } from '../company/labels.ts'
import { transition } from '../company/status-machine.ts'
import { withMarker } from '../company/marker.ts'
import { splitRepository, type Octokit } from '../github/octokit.ts'
import { atLeast, type PermissionOf } from '../github/permissions.ts'
import { appendAudit } from '../store/audit-log.ts'
import { refreshItemPriority } from '../store/priorities.ts'
import { getWorkItem, setMirroredLabels, type WorkItem } from '../store/work-items.ts'
import { blockItem, unblockItem } from './escalation.ts'
import { headShaOf, syncGate } from './quality-gate.ts'
import type { MirrorDeps } from './sync-item.ts'
import { writeStatus } from './write-status.ts'

export type CommentDeps = MirrorDeps & {
  owners: string[]
  approvers: string[]
  permissionOf: PermissionOf
  botLogin: () => string
}

export type NewComment = { repository: string; number: number; id: number; body: string; author: { login: string; type?: string | undefined } }

class Refusal extends Error {}

/**
 * A new comment (edits are ignored by the caller): its slash commands are run for the
 * people allowed to run them, each refusal gets a short reply, and every decision is
 * audited (SPEC §8). A plain comment by a person with write access on a blocked item
 * is an answer: the item goes back to its owner, who sees the comment on its next run.
 */
export async function handleNewComment(deps: CommentDeps, octokit: Octokit, comment: NewComment): Promise<void> {
  if (comment.author.login === deps.botLogin()) return
  const item = await getWorkItem(deps.pool, comment.repository, comment.number)
  if (!item) return
  const isBot = comment.author.type === 'Bot' || comment.author.login.endsWith('[bot]')
  const commands = parseCommands(comment.body)
  const access = () => deps.permissionOf(octokit, comment.repository, comment.author.login)

  if (commands.length === 0) {
    if (item.status === 'blocked' && item.state === 'open' && !isBot && atLeast(await access(), 'write')) {
      const escalation = { pool: deps.pool, roster: deps.rosters.get(item.repository), owners: deps.owners, wake: deps.wake, botLogin: deps.botLogin }
      await unblockItem(escalation, octokit, item, { by: `@${comment.author.login}`, note: 'answered in a comment' })
    }
    return
  }
  for (const command of commands) {
    const current = (await getWorkItem(deps.pool, comment.repository, comment.number)) ?? item
    const actor = {
      login: comment.author.login,
      isBot,
      access: await access(),
      isApprover: deps.approvers.includes(comment.author.login),
      isAuthor: current.author === comment.author.login,
    }
    const allowed = mayRun(command.name, actor)
    let outcome: string
    try {
      if (!allowed.ok) throw new Refusal(allowed.reason)
      outcome = await run(deps, octokit, current, command, comment)
    } catch (error) {
      if (!(error instanceof Refusal)) throw error
      outcome = `refused: ${error.message}`
      await reply(octokit, comment, `@${comment.author.login} \`/${command.name}\` refused: ${error.message}. Nothing was changed.`)
    }
    await appendAudit(deps.pool, {
      actor: comment.author.login,
      action: `/${command.name}`,
      repository: comment.repository,
      target: comment.number,
      outcome,
      detail: { args: command.args, comment: comment.id },
    })
  }
}

async function reply(octokit: Octokit, comment: NewComment, text: string): Promise<void> {
  const { owner, repo } = splitRepository(comment.repository)
  await octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', {
    owner,
    repo,
    issue_number: comment.number,
    body: withMarker(text, { kind: 'reply' }),
  })
}

async function writeLabels(deps: CommentDeps, octokit: Octokit, item: WorkItem, labels: string[]): Promise<void> {
  const { owner, repo } = splitRepository(item.repository)
  const response = await octokit.request('PUT /repos/{owner}/{repo}/issues/{issue_number}/labels', { owner, repo, issue_number: item.number, labels })
  await setMirroredLabels(deps.pool, item.repository, item.number, response.data.map((label) => label.name))
}

async function run(deps: CommentDeps, octokit: Octokit, item: WorkItem, command: Command, comment: NewComment): Promise<string> {
  const by = `@${comment.author.login}`
  const roster = deps.rosters.get(item.repository)
  const escalation = { pool: deps.pool, roster, owners: deps.owners, wake: deps.wake, botLogin: deps.botLogin }
  switch (command.name) {
    case 'approve': {
      if (item.kind === 'pull') {
        // A human approval of a pull request counts for its current head commit only.
        const sha = await headShaOf(octokit, item.repository, item.number)
        await recordApproval(deps, item, comment.author.login, 'approve', command.args, sha)
        const gate = await syncGate(deps, octokit, item.repository, item.number)
        return `approved ${sha.slice(0, 7)}; gate ${gate?.conclusion ?? 'unchanged'}`
      }
      const next = transition(item.status, 'approve')
      if (!next.ok || item.status !== 'needs-approval') throw new Refusal(`#${item.number} is not waiting for an approval (it is ${item.status ?? 'without a status'})`)
      await writeStatus(deps, octokit, item, next.to, `Approved by ${by}${command.args ? `: ${command.args}` : '.'}`)
      await recordApproval(deps, item, comment.author.login, 'approve', command.args)
      if (item.owner_agent) deps.wake?.(item.repository, item.owner_agent)
      return 'approved'
    }
    case 'reject': {
      if (!command.args) throw new Refusal('say why: `/reject <reason>`')
      if (!transition(item.status, 'reject').ok) throw new Refusal(`#${item.number} is not waiting for an approval (it is ${item.status ?? 'without a status'})`)
      await blockItem(escalation, octokit, item, `rejected by ${by}: ${command.args}`)
      await recordApproval(deps, item, comment.author.login, 'reject', command.args)
      return 'rejected'
    }
    case 'unblock': {
      if (item.status !== 'blocked') throw new Refusal(`#${item.number} is not blocked (it is ${item.status ?? 'without a status'})`)
      await unblockItem(escalation, octokit, item, { by, note: command.args })
      return 'unblocked'
    }
    case 'assign': {
      const slug = command.args.split(/\s+/)[0]?.replace(/^agent:/, '') ?? ''
      if (!roster.get(slug)) throw new Refusal(`there is no agent "${slug}"; use one of ${roster.agents.map((a) => a.slug).join(', ')}`)
      if (item.status === 'in-progress') throw new Refusal(`#${item.number} is being worked right now; assign it once that run ends`)
      // Reassigning gives the item a fresh start with its new owner: block, escalation and attempts cleared.
      await unblockItem(escalation, octokit, item, { by, note: `assigned to ${slug}`, assignee: slug })
      return `assigned to ${slug}`
    }
    case 'priority': {
      const level = /^p?([0-3])$/i.exec(command.args.trim())?.[1]
      if (level === undefined) throw new Refusal('use `/priority p0`, `p1`, `p2` or `p3`')
      const labels = item.labels.filter((label) => !(priorityLabels as readonly string[]).includes(label)).concat(`priority:p${level}`)
      await writeLabels(deps, octokit, item, labels)
      await refreshItemPriority(deps.pool, item.repository, item.number, deps.now?.() ?? new Date())
      return `priority p${level}`
    }
    case 'hold':
    case 'unhold': {
      const labels = item.labels.filter((label) => label !== HOLD_LABEL).concat(command.name === 'hold' ? [HOLD_LABEL] : [])
      await writeLabels(deps, octokit, item, labels)
      if (item.kind === 'pull') await syncGate(deps, octokit, item.repository, item.number)
      return command.name === 'hold' ? 'held' : 'released'
    }
    case 'pause':
    case 'resume': {
      const slug = command.args.split(/\s+/)[0] || undefined
      if (slug && !roster.get(slug)) throw new Refusal(`there is no agent "${slug}"`)
      const paused = command.name === 'pause'
      const { rowCount } = await deps.pool.query(
        `update agents set paused = $3, paused_reason = case when $3 then $4 else null end
         where repository = $1 and ($2::text is null or slug = $2)`,
        [item.repository, slug ?? null, paused, `paused by ${by}`],
      )
      await reply(octokit, comment, `${paused ? 'Paused' : 'Resumed'} ${slug ?? `all ${rowCount} agents`} (by ${by}).`)
      return `${command.name}d ${slug ?? 'all agents'}`
    }
    case 'status': {
      const { rows } = await deps.pool.query<{ outcome: string | null; finished_at: Date | null }>(
        'select outcome, finished_at from heartbeat_runs where repository = $1 and agent = $2 order by id desc limit 1',
        [item.repository, item.owner_agent],
      )
      const last = rows[0] ? `${rows[0].outcome ?? 'running'} at ${rows[0].finished_at?.toISOString() ?? 'now'}` : 'none yet'
      await reply(
        octokit,
        comment,
        [
          `**#${item.number}**`,
          `- owner: ${item.owner_agent ? `\`${item.owner_agent}\`` : 'nobody'}`,
          `- status: ${item.status ?? 'none'}${item.blocked_reason ? ` (${item.blocked_reason})` : ''}`,
          `- priority: ${item.priority_score} — ${item.priority_reason || 'not computed'}`,
          `- delegation depth: ${item.delegation_depth}${item.parent_number ? `, parent #${item.parent_number}` : ''}`,
          `- last run of the owner: ${last}`,
        ].join('\n'),
      )
      return 'answered'
    }
  }
}

async function recordApproval(
  deps: CommentDeps,
  item: WorkItem,
  actor: string,
  decision: 'approve' | 'reject',
  note: string,
  headSha?: string,
): Promise<void> {
  await deps.pool.query('insert into approvals (repository, number, actor, decision, note, head_sha) values ($1, $2, $3, $4, $5, $6)', [
    item.repository,
    item.number,
    actor,
    decision,
    note || null,
    headSha ?? null,
  ])
}
