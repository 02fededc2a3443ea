import { unknownAgentNote } from '../company/replies.ts'
import { trustedProvenance } from '../company/marker.ts'
import { routeItem, type Routing } from '../company/route-item.ts'
import { handMove } from '../company/status-edit.ts'
import { holdsPull, mayHoldPull, mayRelease, outsiderPullNote, releasesPull, type OutsiderPulls } from '../company/outsider-pull.ts'
import type { PermissionOf } from '../github/permissions.ts'
import { mostAdvanced, statusesIn, statusLabel } from '../company/labels.ts'
import { upsertMarkedComment } from '../github/upsert-marked-comment.ts'
import type { Octokit } from '../github/octokit.ts'
import { changeLabels } from '../github/writes.ts'
import type { SettingsLookup } from '../config/repository-settings.ts'
import type { Logger } from '../log.ts'
import type { Metrics } from '../metrics/metrics.ts'
import { appendAudit } from '../store/audit-log.ts'
import type { Pool } from '../store/pool.ts'
import { refreshItemPriority } from '../store/priorities.ts'
import { adoptStatus, getWorkItem, recordLabels, upsertWorkItem, type GitHubItem, type WorkItem } from '../store/work-items.ts'
import { moveItem } from './move-item.ts'
import { resumeWaitingParent } from './resume-parent.ts'
import type { RosterRegistry } from './roster-registry.ts'

export type MirrorDeps = {
  pool: Pool
  log: Logger
  rosters: RosterRegistry
  /** Each repository's settings (`.github/gaffer.yml`, else the environment's), reloaded with its roster. */
  settings: SettingsLookup
  /** Wakes an agent that was just given work, without waiting for its cron. */
  wake?: (repository: string, agent: string) => void
  now?: () => Date
  /** The app's own login (`<slug>[bot]`): only what it wrote carries a marker to believe. */
  botLogin: () => string
  /** Whether outsiders' pull requests wait for a writer before a reviewer gets them (SPEC §13); without `permissionOf` nothing is held. */
  outsiderPulls?: OutsiderPulls
  permissionOf?: PermissionOf
  metrics?: Metrics | undefined
}

/**
 * Mirrors one item and, when `route` is set, applies the routing of SPEC §4 on GitHub.
 * Events caused by Gaffer's own writes are mirrored with `route: false`, so they never
 * trigger work a second time. Only a fresh read from GitHub (the reconcile, a heartbeat's
 * re-read) may `heal`: a status label GitHub shows that the mirror does not have (an
 * edit whose webhook was lost) is then adopted unless a run holds the item. A webhook's
 * payload never heals: it may be stale, and a person's status label edit arrives as its
 * own event, read by the table and the person's rights (`status-label-edit.ts`).
 */
export async function syncItem(
  deps: MirrorDeps,
  octokit: Octokit,
  item: GitHubItem,
  options: { route: boolean; ownWrite?: boolean; heal?: boolean; labeledBy?: { login: string; label: string } },
): Promise<void> {
  const provenance = trustedProvenance(item, deps.botLogin())
  const fresh = await upsertWorkItem(deps.pool, item, { labelsAreCurrent: !options.ownWrite, provenance })
  if (!fresh) return
  const now = deps.now?.() ?? new Date()
  await refreshItemPriority(deps.pool, item.repository, item.number, now)
  let mirrored = await getWorkItem(deps.pool, item.repository, item.number)
  if (mirrored && !options.ownWrite && options.heal === true) mirrored = await healStatus(deps, octokit, item, mirrored)
  // A child finished by someone else resumes its parent here; Gaffer's own writes do it as they write.
  if (!options.ownWrite && mirrored?.parent_number != null && (mirrored.state === 'closed' || mirrored.status === 'done')) {
    await resumeWaitingParent(deps, octokit, item.repository, mirrored.parent_number)
  }
  // Only an item known to be open is routed; an event that does not give the state changes no labels.
  if (!options.route || item.state !== 'open') return
  const routing = routeItem(
    { state: item.state, labels: item.labels, kind: item.kind, authorAgent: mirrored?.created_by_agent ?? undefined },
    deps.rosters.get(item.repository),
  )
  if (routing.unknownOwner !== undefined) {
    const agents = deps.rosters.get(item.repository).agents.map((agent) => agent.slug)
    await upsertMarkedComment(octokit, deps.botLogin(), item, { kind: 'unknown-agent' }, unknownAgentNote(routing.unknownOwner, agents))
  }
  if (routing.add.length === 0 && routing.remove.length === 0) return
  if (mirrored && (await holdOutsiderPull(deps, octokit, item, mirrored, options.labeledBy))) return
  const routed = mirrored ? await applyRouting(deps, octokit, item, mirrored, routing) : false
  if (routed && routing.status === 'todo' && routing.owner !== undefined) deps.wake?.(item.repository, routing.owner)
}

/**
 * A fresh read shows a status the mirror does not have (an edit whose webhook was lost).
 * Gaffer's own moves reach the mirror first, so such a change is a person's label edit,
 * read by the same rule as one whose webhook arrived (`handMove`): a move a person may
 * make by hand is adopted (unless a run holds the item, or Gaffer's own newer move is on
 * its way); any other gets the mirror's label back. Who made it is unknown here, so the
 * command's permission cannot be asked; GitHub lets only triagers and above edit labels.
 */
async function healStatus(deps: MirrorDeps, octokit: Octokit, item: GitHubItem, mirrored: WorkItem): Promise<WorkItem> {
  const onGitHub = mostAdvanced(statusesIn(item.labels))
  if (onGitHub === undefined || onGitHub === mirrored.status) return mirrored
  const where = `${item.repository}#${item.number}`
  if (mirrored.status !== null && !handMove(mirrored.kind, mirrored.status, onGitHub).ok) {
    const held = mirrored.claimed_by_run !== null && mirrored.lease_expires_at !== null && mirrored.lease_expires_at > new Date()
    const moving = mirrored.status_changed_at !== null && mirrored.status_changed_at.toISOString() >= item.updatedAt
    if (held || moving) return mirrored
    const back = statusLabel(mirrored.status)
    const labels = await changeLabels(octokit, item, { add: [back], remove: (label) => label.startsWith('status:') && label !== back })
    if (labels) await recordLabels(deps.pool, item.repository, item.number, labels)
    deps.log.warn({ item: where, from: mirrored.status, to: onGitHub }, 'put back a status label no allowed move leads to')
    await appendAudit(deps.pool, {
      actor: 'gaffer',
      action: 'heal',
      repository: item.repository,
      target: item.number,
      outcome: `refused: ${onGitHub}`,
      detail: { from: mirrored.status },
    })
    return mirrored
  }
  if (!(await adoptStatus(deps.pool, item.repository, item.number, onGitHub, item.updatedAt))) return mirrored
  deps.log.info({ item: where, from: mirrored.status, to: onGitHub }, 'mirror took the status GitHub shows')
  await appendAudit(deps.pool, {
    actor: 'gaffer',
    action: 'heal',
    repository: item.repository,
    target: item.number,
    outcome: onGitHub,
    detail: { from: mirrored.status },
  })
  return { ...mirrored, status: onGitHub }
}

/**
 * Applies a routing decision. Giving an owned item its first status is the `route`
 * event of the status writer; an item whose status label was taken off while the
 * mirror still has its status gets that label back; the rest are label deltas.
 */
async function applyRouting(deps: MirrorDeps, octokit: Octokit, item: GitHubItem, mirrored: WorkItem, routing: Routing): Promise<boolean> {
  const owners = routing.add.filter((label) => !label.startsWith('status:'))
  if (routing.status !== undefined && !statusesIn(item.labels).includes(routing.status)) {
    if (mirrored.status === null) {
      const moved = await moveItem(deps, octokit, { ...mirrored, labels: item.labels }, 'route', { add: owners, remove: routing.remove })
      if (!moved.ok) return false
    } else {
      const labels = await changeLabels(octokit, item, { add: [...owners, statusLabel(mirrored.status)], remove: routing.remove })
      if (labels) await recordLabels(deps.pool, item.repository, item.number, labels)
    }
  } else {
    const labels = await changeLabels(octokit, item, { add: owners, remove: routing.remove })
    if (labels) await recordLabels(deps.pool, item.repository, item.number, labels)
  }
  if (routing.repairNote) await upsertMarkedComment(octokit, deps.botLogin(), item, { kind: 'status-repair' }, routing.repairNote)
  deps.log.info({ item: `${item.repository}#${item.number}`, add: routing.add, remove: routing.remove }, routing.reason)
  await appendAudit(deps.pool, {
    actor: 'gaffer',
    action: 'route',
    repository: item.repository,
    target: item.number,
    outcome: routing.reason,
    detail: { add: routing.add, remove: routing.remove },
  })
  return true
}

/**
 * Holds a pull request from someone without write access until a writer labels or
 * `/assign`s it, so an outsider cannot spend the reviewer's model budget; says so on
 * it once (one marked comment, found and left as is on later events).
 */
async function holdOutsiderPull(
  deps: MirrorDeps,
  octokit: Octokit,
  item: GitHubItem,
  mirrored: WorkItem,
  labeledBy: { login: string; label: string } | undefined,
): Promise<boolean> {
  const { permissionOf } = deps
  const policy = deps.outsiderPulls ?? 'route'
  if (!permissionOf || !mayHoldPull({ policy, kind: item.kind, status: mirrored.status, author: item.author, botLogin: deps.botLogin() }))
    return false
  const roster = deps.rosters.get(item.repository)
  const authorAccess = item.author === null ? 'none' : await permissionOf(octokit, item.repository, item.author)
  const released =
    labeledBy !== undefined &&
    releasesPull(labeledBy.label, (label) => roster.handlerOf(label) !== undefined) &&
    mayRelease(await permissionOf(octokit, item.repository, labeledBy.login))
  if (!holdsPull({ authorAccess, releasedByWriter: released })) return false
  deps.log.info(
    { item: `${item.repository}#${item.number}`, author: item.author, authorAccess },
    'outsider pull request held until a writer labels or assigns it',
  )
  const reviewerLabels = roster.agents.filter((agent) => agent.role === 'reviewer').flatMap((agent) => agent.handles)
  await upsertMarkedComment(octokit, deps.botLogin(), item, { kind: 'outsider-pull' }, outsiderPullNote(reviewerLabels))
  return true
}
