import { parseCommands, mayRun, type Command } from '../company/commands.ts'
import { combinedReply, couldNotRunLine, nothingToApproveLine, refusalLine, tooManyCommandsLine, unknownCommandsLine } from '../company/replies.ts'
import { HOLD_LABEL, priorityLabels } from '../company/labels.ts'
import { transition } from '../company/status-machine.ts'
import { withMarker } from '../company/marker.ts'
import type { Octokit } from '../github/octokit.ts'
import { atLeast } from '../company/access.ts'
import type { PermissionOf } from '../github/permissions.ts'
import { headShaOf } from '../github/read-pull-request.ts'
import { createComment } from '../github/writes.ts'
import { setAgentsPaused } from '../store/agents.ts'
import { recordApproval } from '../store/approvals.ts'
import { appendAudit, type AuditEntry } from '../store/audit-log.ts'
import { failCommentStep, finishCommentStep, releaseComment, takeComment } from '../store/comment-commands.ts'
import { MAX_DELIVERY_ATTEMPTS } from '../store/webhook-deliveries.ts'
import { takeReply } from '../store/reply-counts.ts'
import { lastRunOf } from '../store/heartbeat-runs.ts'
import { refreshItemPriority } from '../store/priorities.ts'
import { changeLabels } from '../github/writes.ts'
import { getWorkItem, recordLabels, type WorkItem } from '../store/work-items.ts'
import { blockItem, escalationDepsFor, unblockItem } from './escalation.ts'
import { syncGate } from './quality-gate.ts'
import type { MirrorDeps } from './sync-item.ts'
import { isApprover } from '../config/repository-settings.ts'
import { moveItem } from './move-item.ts'

export type CommentDeps = MirrorDeps & {
  permissionOf: PermissionOf
  botLogin: () => string
  /** Replies to one author per repository and minute; the default is REPLIES_PER_AUTHOR_PER_MINUTE. */
  repliesPerMinute?: number
}

/** Commands read from one comment; the rest are ignored with one note (SPEC §13). */
export const MAX_COMMANDS_PER_COMMENT = 10

/** Enough for a person working quickly; a flood of refusals from one author stops here. */
export const REPLIES_PER_AUTHOR_PER_MINUTE = 10

export type NewComment = { repository: string; number: number; id: number; body: string; author: { login: string; type?: string | undefined } }

/**
 * How long one delivery holds a comment between two finished steps. Shorter than the
 * delivery's own lease (RECEIVE_LEASE_SECONDS), so after a crash the hold has run out
 * by the time the sweep retries the delivery, and the retry runs the rest.
 */
export const COMMENT_LEASE_SECONDS = 60

class Refusal extends Error {}

/** Not a refusal: the command had nothing to act on, and the reply says what is going on instead. */
class NothingToDo extends Error {}

/**
 * A new comment (edits are ignored by the caller): its slash commands are run for the
 * people allowed to run them, and every decision is audited (SPEC §8). A comment is
 * worked in steps (reading it as a whole, then each command, at most
 * `MAX_COMMANDS_PER_COMMENT`), and each finished step is recorded with its audit row,
 * so whichever delivery carries the comment, a step runs at most once and a delivery
 * retried after a failure (a GitHub 502, say) runs the steps that did not. A step that
 * fails on every attempt the delivery has is given up, and the reply says so. What
 * Gaffer has to say about the steps one delivery ran (refusals, answers, unknown
 * commands) goes into one reply, itself rate-limited per author (SPEC §13). A plain
 * comment by a person with write access on a blocked item is an answer: the item goes
 * back to its owner, who sees the comment on its next run.
 */
export async function handleNewComment(deps: CommentDeps, octokit: Octokit, comment: NewComment): Promise<void> {
  if (comment.author.login === deps.botLogin()) return
  const item = await getWorkItem(deps.pool, comment.repository, comment.number)
  if (!item) return
  const key = { repository: comment.repository, commentId: comment.id }
  const progress = await takeComment(deps.pool, key, COMMENT_LEASE_SECONDS)
  if (!progress) {
    // That delivery runs every step, and its own retries finish what it cannot.
    deps.log.info({ repository: comment.repository, item: comment.number, comment: comment.id }, 'left a comment to the delivery working it')
    return
  }
  const isBot = comment.author.type === 'Bot' || comment.author.login.endsWith('[bot]')
  const parsed = parseCommands(comment.body)
  const commands = parsed.commands.slice(0, MAX_COMMANDS_PER_COMMENT)
  const { unknown } = parsed
  if (progress.done > commands.length) {
    deps.log.info({ repository: comment.repository, item: comment.number, comment: comment.id }, 'ignored a comment whose commands already ran')
    await releaseComment(deps.pool, key)
    return
  }
  const access = () => deps.permissionOf(octokit, comment.repository, comment.author.login)
  const answers: string[] = []
  const audit = (action: string, outcome: string, detail: Record<string, unknown>): AuditEntry => ({
    actor: comment.author.login,
    action,
    repository: comment.repository,
    target: comment.number,
    outcome,
    detail: { ...detail, comment: comment.id },
  })

  /** Step 0: the comment as a whole. */
  async function readComment(): Promise<AuditEntry[]> {
    const audits: AuditEntry[] = []
    if (unknown.length > 0) {
      // A mistyped command changes nothing; in particular it is not an answer to a block.
      answers.push(unknownCommandsLine(unknown))
      for (const name of unknown) audits.push(audit(`/${name}`, 'unknown command', {}))
    }
    if (parsed.commands.length > commands.length) answers.push(tooManyCommandsLine(parsed.commands.length, MAX_COMMANDS_PER_COMMENT))
    if (commands.length === 0 && unknown.length === 0 && item!.status === 'blocked' && item!.state === 'open' && !isBot) {
      if (atLeast(await access(), 'write')) {
        await unblockItem(escalationDepsFor(deps, item!.repository), octokit, item!, {
          by: `@${comment.author.login}`,
          note: 'answered in a comment',
        })
      }
    }
    return audits
  }

  async function runCommand(command: Command): Promise<AuditEntry[]> {
    const current = (await getWorkItem(deps.pool, comment.repository, comment.number)) ?? item!
    const actor = {
      login: comment.author.login,
      isBot,
      access: await access(),
      isApprover: isApprover(deps.settings.get(comment.repository), comment.author.login),
      authoredPullRequest: current.kind === 'pull' && current.author === comment.author.login,
    }
    const allowed = mayRun(command.name, actor)
    let outcome: string
    try {
      if (!allowed.ok) throw new Refusal(allowed.reason)
      const done = await run(deps, octokit, current, command, comment)
      outcome = done.outcome
      if (done.answer) answers.push(done.answer)
    } catch (error) {
      if (error instanceof NothingToDo) {
        outcome = 'nothing to do'
        answers.push(error.message)
      } else if (error instanceof Refusal) {
        outcome = `refused: ${error.message}`
        answers.push(refusalLine(command.name, error.message))
      } else {
        throw error
      }
    }
    return [audit(`/${command.name}`, outcome, { args: command.args })]
  }

  try {
    for (let step = progress.done; step <= commands.length; step += 1) {
      const command = step === 0 ? undefined : commands[step - 1]!
      let audits: AuditEntry[]
      try {
        audits = command ? await runCommand(command) : await readComment()
      } catch (error) {
        const failures = await failCommentStep(deps.pool, key)
        // The delivery is retried and this step with it, until its last attempt: then the step is given up, said, and the rest run.
        if (failures < MAX_DELIVERY_ATTEMPTS) throw error
        const message = shortError(error)
        deps.log.error({ err: error, repository: comment.repository, item: comment.number, comment: comment.id, failures }, 'gave up a comment step')
        answers.push(couldNotRunLine(command ? `\`/${command.name}\`` : 'this comment', message))
        audits = [audit(command ? `/${command.name}` : 'comment', `failed: ${message}`, command ? { args: command.args } : {})]
      }
      await finishCommentStep(deps.pool, key, step + 1, audits, COMMENT_LEASE_SECONDS)
    }
    await releaseComment(deps.pool, key)
  } finally {
    // Said even when a later step failed: the steps before it ran and will not run again.
    if (answers.length > 0) await answer(deps, octokit, comment, combinedReply(comment.author.login, answers))
  }
}

/** The first line of an error, short enough for a reply. */
function shortError(error: unknown): string {
  const text = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? ''
  return text.length > 200 ? `${text.slice(0, 199)}…` : text
}

/** At most one reply per comment, and at most `repliesPerMinute` per author and repository; the rest is only audited. */
async function answer(deps: CommentDeps, octokit: Octokit, comment: NewComment, text: string): Promise<void> {
  if (!(await takeReply(deps.pool, comment.repository, comment.author.login, deps.repliesPerMinute ?? REPLIES_PER_AUTHOR_PER_MINUTE))) {
    deps.log.warn(
      { repository: comment.repository, item: comment.number, author: comment.author.login },
      'too many replies to one author; this one is only audited',
    )
    await appendAudit(deps.pool, {
      actor: comment.author.login,
      action: 'reply',
      repository: comment.repository,
      target: comment.number,
      outcome: 'not sent: reply rate limit',
      detail: { comment: comment.id, text },
    })
    return
  }
  await createComment(octokit, comment, withMarker(text, { kind: 'reply' }))
}

/** A label delta: never a whole label set, so a label someone else changed meanwhile stays as they left it. */
async function writeLabels(deps: CommentDeps, octokit: Octokit, item: WorkItem, delta: { add?: string[]; remove?: string[] }): Promise<void> {
  const labels = await changeLabels(octokit, item, delta)
  if (labels) await recordLabels(deps.pool, item.repository, item.number, labels)
}

async function run(
  deps: CommentDeps,
  octokit: Octokit,
  item: WorkItem,
  command: Command,
  comment: NewComment,
): Promise<{ outcome: string; answer?: string }> {
  const by = `@${comment.author.login}`
  const roster = deps.rosters.get(item.repository)
  const escalation = escalationDepsFor(deps, item.repository)
  switch (command.name) {
    case 'approve': {
      if (item.kind === 'pull') {
        // A human approval of a pull request counts for its current head commit only.
        const sha = await headShaOf(octokit, item.repository, item.number)
        await recordApproval(deps.pool, { ...approval(item, comment, command), decision: 'approve', headSha: sha })
        const gate = await syncGate(deps, octokit, item.repository, item.number)
        // Its reviewer asked a person before going on: the same /approve answers that request too.
        if (item.status === 'needs-approval') {
          const moved = await moveItem(deps, octokit, item, 'approve', { note: `Approved by ${by}.`, actor: comment.author.login })
          if (moved.ok && item.owner_agent) deps.wake?.(item.repository, item.owner_agent)
        }
        return { outcome: `approved ${sha.slice(0, 7)}; gate ${gate?.conclusion ?? 'unchanged'}` }
      }
      // On an issue, /approve answers an approval request and nothing else: an issue in review
      // waits for its pull request, whose gate takes the approvals (docs/decisions.md).
      if (item.status !== 'needs-approval') throw new NothingToDo(nothingToApproveLine(item))
      const moved = await moveItem(deps, octokit, item, 'approve', {
        note: `Approved by ${by}${command.args ? `: ${command.args}` : '.'}`,
        actor: comment.author.login,
      })
      if (!moved.ok) throw new Refusal(moved.reason)
      await recordApproval(deps.pool, { ...approval(item, comment, command), decision: 'approve' })
      if (item.owner_agent) deps.wake?.(item.repository, item.owner_agent)
      return { outcome: 'approved' }
    }
    case 'reject': {
      if (!command.args) throw new Refusal('say why: `/reject <reason>`')
      if (!transition(item.status, 'reject').ok)
        throw new Refusal(`#${item.number} is not waiting for an approval (it is ${item.status ?? 'without a status'})`)
      if (!(await blockItem(escalation, octokit, item, `rejected by ${by}: ${command.args}`, { event: 'reject' })))
        throw new Refusal(`#${item.number} moved meanwhile`)
      await recordApproval(deps.pool, { ...approval(item, comment, command), decision: 'reject' })
      return { outcome: 'rejected' }
    }
    case 'unblock': {
      if (item.status !== 'blocked') throw new Refusal(`#${item.number} is not blocked (it is ${item.status ?? 'without a status'})`)
      if (!(await unblockItem(escalation, octokit, item, { by, note: command.args }))) throw new Refusal(`#${item.number} moved meanwhile`)
      return { outcome: 'unblocked' }
    }
    case 'assign': {
      const slug = command.args.split(/\s+/)[0]?.replace(/^agent:/, '') ?? ''
      if (!roster.get(slug)) throw new Refusal(`there is no agent "${slug}"; use one of ${roster.agents.map((a) => a.slug).join(', ')}`)
      if (item.status === 'in-progress') throw new Refusal(`#${item.number} is being worked right now; assign it once that run ends`)
      const allowed = transition(item.status, 'reassign')
      if (!allowed.ok)
        throw new Refusal(`#${item.number} is ${item.status}; only an item that is todo, blocked or without a status can be reassigned`)
      // Reassigning gives the item a fresh start with its new owner: block, escalation and attempts cleared.
      if (!(await unblockItem(escalation, octokit, item, { by, note: `assigned to ${slug}`, assignee: slug })))
        throw new Refusal(`#${item.number} moved meanwhile`)
      return { outcome: `assigned to ${slug}` }
    }
    case 'priority': {
      const level = /^p?([0-3])$/i.exec(command.args.trim())?.[1]
      if (level === undefined) throw new Refusal('use `/priority p0`, `p1`, `p2` or `p3`')
      const wanted = `priority:p${level}`
      await writeLabels(deps, octokit, item, { add: [wanted], remove: priorityLabels.filter((label) => label !== wanted) })
      await refreshItemPriority(deps.pool, item.repository, item.number, deps.now?.() ?? new Date())
      return { outcome: `priority p${level}` }
    }
    case 'hold':
    case 'unhold': {
      await writeLabels(deps, octokit, item, command.name === 'hold' ? { add: [HOLD_LABEL] } : { remove: [HOLD_LABEL] })
      if (item.kind === 'pull') await syncGate(deps, octokit, item.repository, item.number)
      return { outcome: command.name === 'hold' ? 'held' : 'released' }
    }
    case 'pause':
    case 'resume': {
      const slug = command.args.split(/\s+/)[0] || undefined
      if (slug && !roster.get(slug)) throw new Refusal(`there is no agent "${slug}"`)
      const paused = command.name === 'pause'
      const rowCount = await setAgentsPaused(deps.pool, item.repository, { slug, paused, reason: `paused by ${by}` })
      return {
        outcome: `${command.name}d ${slug ?? 'all agents'}`,
        answer: `${paused ? 'Paused' : 'Resumed'} ${slug ?? `all ${rowCount} agents`} (by ${by}).`,
      }
    }
    case 'status': {
      const run = await lastRunOf(deps.pool, item.repository, item.owner_agent)
      const last = run ? `${run.outcome ?? 'running'} at ${run.finished_at?.toISOString() ?? 'now'}` : 'none yet'
      return {
        outcome: 'answered',
        answer: [
          `**#${item.number}**`,
          `- owner: ${item.owner_agent ? `\`${item.owner_agent}\`` : 'nobody'}`,
          `- status: ${item.status ?? 'none'}${item.blocked_reason ? ` (${item.blocked_reason})` : ''}`,
          `- priority: ${item.priority_score} — ${item.priority_reason || 'not computed'}`,
          `- delegation depth: ${item.delegation_depth}${item.parent_number ? `, parent #${item.parent_number}` : ''}`,
          `- last run of the owner: ${last}`,
        ].join('\n'),
      }
    }
  }
}

function approval(item: WorkItem, comment: NewComment, command: Command) {
  return { repository: item.repository, number: item.number, actor: comment.author.login, note: command.args }
}
