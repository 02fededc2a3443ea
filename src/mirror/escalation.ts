import { agentLabel, NEEDS_HUMAN_LABEL } from '../company/labels.ts'
import type { Octokit } from '../github/octokit.ts'
import type { SettingsLookup } from '../config/repository-settings.ts'
import type { Logger } from '../log.ts'
import type { Metrics } from '../metrics/metrics.ts'
import type { Roster } from '../roster/roster.ts'
import { appendAudit } from '../store/audit-log.ts'
import { clearBlock, recordBlock, recordEscalation } from '../store/escalations.ts'
import type { Pool } from '../store/pool.ts'
import { getWorkItem, type WorkItem } from '../store/work-items.ts'
import { moveItem } from './move-item.ts'

/** What blocking, escalating and unblocking an item of one repository needs. */
export type RepositoryEscalationDeps = {
  pool: Pool
  /** Refusals of the status writer are logged as well as audited. */
  log?: Logger | undefined
  roster: Roster
  owners: string[]
  wake?: ((repository: string, agent: string) => void) | undefined
  botLogin: () => string
  metrics?: Metrics | undefined
}

/** The escalation deps for one repository, from a component's wider deps (its roster registry). */
export function escalationDepsFor(
  deps: {
    pool: Pool
    log?: Logger | undefined
    rosters: { get(repository: string): Roster }
    settings: SettingsLookup
    wake?: ((repository: string, agent: string) => void) | undefined
    botLogin: () => string
    metrics?: Metrics | undefined
  },
  repository: string,
): RepositoryEscalationDeps {
  const { pool, log, wake, botLogin, metrics } = deps
  return { pool, log, roster: deps.rosters.get(repository), owners: deps.settings.get(repository).owners, wake, botLogin, metrics }
}

const HUMANS = 'humans'

function mentionOwners(owners: string[]): string {
  return owners.length > 0
    ? owners.map((login) => `@${login}`).join(' ')
    : 'the owners of this company (set owners in .github/gaffer.yml or GAFFER_OWNERS to have them mentioned)'
}

/** Who an item's block is with now: the agent it was escalated to, else the owner's manager. */
export function escalationHolder(roster: Roster, item: Pick<WorkItem, 'escalated_to' | 'owner_agent'>): string {
  if (item.escalated_to) return item.escalated_to
  return roster.managerOf(item.owner_agent ?? '')?.slug ?? HUMANS
}

/** What blocks an item: the owner's own `block`, a person's `/reject`, or spent attempts (the lease statement already moved the mirror). */
export type BlockEvent = { event: 'block' | 'reject'; mirrorMoved?: false; heldBy?: number } | { event: 'attempts_exhausted'; mirrorMoved: true }

/**
 * Marks the item blocked (SPEC §6): the reason is recorded and commented, and the
 * owner's manager is named — or, for the CEO's own items, the item gets `needs-human`
 * and the owners are mentioned. False when the status machine refused the block.
 */
export async function blockItem(
  deps: RepositoryEscalationDeps,
  octokit: Octokit,
  item: WorkItem,
  reason: string,
  how: BlockEvent = { event: 'block' },
): Promise<boolean> {
  const manager = deps.roster.managerOf(item.owner_agent ?? '')
  const to = manager ? `${manager.name} (\`${manager.slug}\`)` : mentionOwners(deps.owners)
  const moved = await moveItem(deps, octokit, item, how.event, {
    note: `Blocked: ${reason}\n\nEscalated to ${to}.`,
    add: manager ? [] : [NEEDS_HUMAN_LABEL],
    actor: item.owner_agent ?? 'gaffer',
    mirrorMoved: how.mirrorMoved ?? false,
    heldBy: 'heldBy' in how ? how.heldBy : undefined,
  })
  if (!moved.ok) return false
  deps.metrics?.escalation(item.repository, how.event, manager?.slug ?? HUMANS)
  await recordBlock(deps.pool, item, { reason, holder: manager?.slug ?? HUMANS })
  await appendAudit(deps.pool, {
    actor: item.owner_agent ?? 'gaffer',
    action: 'block',
    repository: item.repository,
    target: item.number,
    outcome: manager?.slug ?? HUMANS,
    detail: { reason },
  })
  if (manager) deps.wake?.(item.repository, manager.slug)
  return true
}

/** Moves a blocked item one level up the chain; above the CEO are the humans (`needs-human`). */
export async function escalateItem(
  deps: RepositoryEscalationDeps,
  octokit: Octokit,
  item: WorkItem,
  escalation: { by: string; reason: string },
): Promise<string> {
  // The reason is read from the mirror, which has it even when the caller's copy predates the block.
  const current = (await getWorkItem(deps.pool, item.repository, item.number)) ?? item
  const holder = escalationHolder(deps.roster, current)
  const above = holder === HUMANS ? undefined : deps.roster.managerOf(holder)
  const target = above?.slug ?? HUMANS
  const to = above ? `${above.name} (\`${above.slug}\`)` : mentionOwners(deps.owners)
  const moved = await moveItem(deps, octokit, current, 'escalate', {
    note: `Escalated by ${escalation.by} to ${to}: ${escalation.reason}\n\nBlocked because: ${current.blocked_reason ?? 'no reason was recorded'}`,
    add: above ? [] : [NEEDS_HUMAN_LABEL],
    actor: escalation.by,
  })
  if (!moved.ok) return holder
  deps.metrics?.escalation(item.repository, 'escalate', target)
  await recordEscalation(deps.pool, current, target)
  await appendAudit(deps.pool, {
    actor: escalation.by,
    action: 'escalate',
    repository: item.repository,
    target: item.number,
    outcome: target,
    detail: { reason: escalation.reason, from: holder },
  })
  if (above) deps.wake?.(item.repository, above.slug)
  return target
}

/**
 * A blocked item goes back to `todo` with the note for its owner (optionally a new
 * owner: a reassignment, which also gives an unblocked `todo` item or one without a
 * status a fresh start), and the owner is woken. False when the status machine refused.
 */
export async function unblockItem(
  deps: RepositoryEscalationDeps,
  octokit: Octokit,
  item: WorkItem,
  unblock: { by: string; note: string; assignee?: string | undefined },
): Promise<boolean> {
  const owner = unblock.assignee ?? item.owner_agent
  const event = unblock.assignee !== undefined ? 'reassign' : 'unblock'
  const moved = await moveItem(deps, octokit, item, event, {
    note: `${unblock.assignee !== undefined ? 'Assigned' : 'Unblocked'} by ${unblock.by}${unblock.note ? `: ${unblock.note}` : '.'}`,
    add: owner ? [agentLabel(owner)] : [],
    remove: item.labels.filter((label) => (label.startsWith('agent:') && label !== agentLabel(owner ?? '')) || label === NEEDS_HUMAN_LABEL),
    actor: unblock.by,
  })
  if (!moved.ok) return false
  await clearBlock(deps.pool, item)
  await appendAudit(deps.pool, {
    actor: unblock.by,
    action: event,
    repository: item.repository,
    target: item.number,
    outcome: 'todo',
    detail: { assignee: owner, note: unblock.note },
  })
  if (owner) deps.wake?.(item.repository, owner)
  return true
}
