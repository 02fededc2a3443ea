import { agentLabel, NEEDS_HUMAN_LABEL } from '../company/labels.ts'
import type { Octokit } from '../github/octokit.ts'
import type { Roster } from '../roster/roster.ts'
import { appendAudit } from '../store/audit-log.ts'
import type { Pool } from '../store/pool.ts'
import type { WorkItem } from '../store/work-items.ts'
import { writeStatus } from './write-status.ts'

export type EscalationDeps = {
  pool: Pool
  roster: Roster
  owners: string[]
  wake?: ((repository: string, agent: string) => void) | undefined
  botLogin: () => string
}

/** The escalation deps for one repository, from a component's wider deps (its roster registry). */
export function escalationDepsFor(
  deps: {
    pool: Pool
    rosters: { get(repository: string): Roster }
    owners: string[]
    wake?: ((repository: string, agent: string) => void) | undefined
    botLogin: () => string
  },
  repository: string,
): EscalationDeps {
  return { pool: deps.pool, roster: deps.rosters.get(repository), owners: deps.owners, wake: deps.wake, botLogin: deps.botLogin }
}

const HUMANS = 'humans'

function mentionOwners(owners: string[]): string {
  return owners.length > 0 ? owners.map((login) => `@${login}`).join(' ') : 'the owners of this company (set GAFFER_OWNERS to have them mentioned)'
}

/** Who an item's block is with now: the agent it was escalated to, else the owner's manager. */
export function escalationHolder(roster: Roster, item: Pick<WorkItem, 'escalated_to' | 'owner_agent'>): string {
  if (item.escalated_to) return item.escalated_to
  return roster.managerOf(item.owner_agent ?? '')?.slug ?? HUMANS
}

/**
 * Marks the item blocked (SPEC §6): the reason is recorded and commented, and the
 * owner's manager is named — or, for the CEO's own items, the item gets `needs-human`
 * and the owners are mentioned.
 */
export async function blockItem(deps: EscalationDeps, octokit: Octokit, item: WorkItem, reason: string): Promise<void> {
  const manager = deps.roster.managerOf(item.owner_agent ?? '')
  const labels = manager ? item.labels : [...new Set([...item.labels, NEEDS_HUMAN_LABEL])]
  const to = manager ? `${manager.name} (\`${manager.slug}\`)` : mentionOwners(deps.owners)
  await writeStatus(deps, octokit, { ...item, labels }, 'blocked', `Blocked: ${reason}\n\nEscalated to ${to}.`)
  await deps.pool.query(
    `update work_items set blocked_reason = $3, escalated_to = $4, escalation_level = 1, escalated_at = now()
     where repository = $1 and number = $2`,
    [item.repository, item.number, reason, manager?.slug ?? HUMANS],
  )
  await appendAudit(deps.pool, { actor: item.owner_agent ?? 'gaffer', action: 'block', repository: item.repository, target: item.number, outcome: manager?.slug ?? HUMANS, detail: { reason } })
  if (manager) deps.wake?.(item.repository, manager.slug)
}

/** Moves a blocked item one level up the chain; above the CEO are the humans (`needs-human`). */
export async function escalateItem(
  deps: EscalationDeps,
  octokit: Octokit,
  item: WorkItem,
  escalation: { by: string; reason: string },
): Promise<string> {
  const holder = escalationHolder(deps.roster, item)
  const above = holder === HUMANS ? undefined : deps.roster.managerOf(holder)
  const target = above?.slug ?? HUMANS
  const labels = above ? item.labels : [...new Set([...item.labels, NEEDS_HUMAN_LABEL])]
  const to = above ? `${above.name} (\`${above.slug}\`)` : mentionOwners(deps.owners)
  await writeStatus(
    deps,
    octokit,
    { ...item, labels },
    'blocked',
    `Escalated by ${escalation.by} to ${to}: ${escalation.reason}\n\nBlocked because: ${item.blocked_reason ?? 'no reason was recorded'}`,
  )
  await deps.pool.query(
    `update work_items set escalated_to = $3, escalation_level = escalation_level + 1, escalated_at = now()
     where repository = $1 and number = $2`,
    [item.repository, item.number, target],
  )
  await appendAudit(deps.pool, { actor: escalation.by, action: 'escalate', repository: item.repository, target: item.number, outcome: target, detail: { reason: escalation.reason, from: holder } })
  if (above) deps.wake?.(item.repository, above.slug)
  return target
}

/** A blocked item goes back to `todo` with the note for its owner (optionally a new owner), and the owner is woken. */
export async function unblockItem(
  deps: EscalationDeps,
  octokit: Octokit,
  item: WorkItem,
  unblock: { by: string; note: string; assignee?: string | undefined },
): Promise<void> {
  const owner = unblock.assignee ?? item.owner_agent
  const labels = item.labels.filter((label) => !label.startsWith('agent:') && label !== NEEDS_HUMAN_LABEL).concat(owner ? [agentLabel(owner)] : [])
  await writeStatus(deps, octokit, { ...item, labels }, 'todo', `Unblocked by ${unblock.by}${unblock.note ? `: ${unblock.note}` : '.'}`)
  await deps.pool.query(
    `update work_items set blocked_reason = null, escalated_to = null, escalation_level = 0, escalated_at = null, attempts = 0,
       failure_count = 0, failure_signature = null
     where repository = $1 and number = $2`,
    [item.repository, item.number],
  )
  await appendAudit(deps.pool, { actor: unblock.by, action: 'unblock', repository: item.repository, target: item.number, outcome: 'todo', detail: { assignee: owner, note: unblock.note } })
  if (owner) deps.wake?.(item.repository, owner)
}
