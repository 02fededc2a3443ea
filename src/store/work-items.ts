import { ownerIn, type Status } from '../company/labels.ts'
import type { Pool } from './pool.ts'

/** The fields of a GitHub issue or pull request that the mirror keeps. */
export type GitHubItem = {
  repository: string
  number: number
  kind: 'issue' | 'pull'
  title: string
  /** Undefined when the event did not say; the mirror keeps what it had. */
  state: 'open' | 'closed' | undefined
  labels: string[]
  author: string | null
  body: string | null
  createdAt: string
  updatedAt: string
  /** GitHub's count of the item's comments, when what was read carries it. */
  comments?: number | undefined
  /** GitHub's global id of the item (`node_id`), what a GraphQL write names it by; undefined when the source did not carry it. */
  nodeId?: string | undefined
}

export type WorkItem = {
  repository: string
  number: number
  kind: 'issue' | 'pull'
  title: string
  state: 'open' | 'closed'
  status: Status | null
  owner_agent: string | null
  labels: string[]
  author: string | null
  priority_score: number
  priority_reason: string
  /** The model's judgment of the item's text (SPEC §17): points within ±300 and why; null until judged. */
  model_adjustment: number | null
  model_why: string | null
  delegation_depth: number
  parent_number: number | null
  created_by_agent: string | null
  attempts: number
  body: string
  blocked_reason: string | null
  escalated_to: string | null
  escalation_level: number
  claimed_by_run: number | null
  lease_expires_at: Date | null
  failure_signature: string | null
  failure_count: number
  github_created_at: Date | null
  github_updated_at: Date | null
  /** When the status last moved (the status writer, a claim or lease, a heal). */
  status_changed_at: Date | null
  /** When GitHub last confirmed the row (a webhook whose labels and state were taken, or a fresh read); null when never. */
  github_confirmed_at: Date | null
  /** GitHub's global id of the item (`node_id`); null until a payload or read carried it. */
  node_id: string | null
}

/**
 * The columns of `WorkItem`, for statements that return items and are prepared once per
 * connection: a prepared `returning *` would fail on a replica still running when a
 * migration adds a column ("cached plan must not change result type").
 */
export const workItemColumns = `repository, number, kind, title, state, status, owner_agent, labels, author, priority_score, priority_reason,
  model_adjustment, model_why, delegation_depth, parent_number, created_by_agent, attempts, body, blocked_reason, escalated_to, escalation_level, claimed_by_run,
  lease_expires_at, failure_signature, failure_count, github_created_at, github_updated_at, status_changed_at, github_confirmed_at, node_id`

/** Records that GitHub just confirmed these rows as the mirror has them (a conditional read answered unchanged). */
export async function confirmWorkItems(pool: Pool, repository: string, numbers: readonly number[]): Promise<void> {
  await pool.query('update work_items set github_confirmed_at = now() where repository = $1 and number = any($2::int[])', [repository, numbers])
}

/** Applies labels GitHub reported after Gaffer's own write, so the mirror does not wait for the webhook echo. The status is not touched. */
export async function recordLabels(pool: Pool, repository: string, number: number, labels: readonly string[]): Promise<void> {
  await pool.query(
    `update work_items set labels = $3, owner_agent = $4, updated_at = now()
     where repository = $1 and number = $2`,
    [repository, number, labels, ownerIn(labels) ?? null],
  )
}

/**
 * Moves the mirror's status from `from` to `to` only if it is still `from`: of two
 * writers moving one item at once, exactly one wins, and the other is told it lost.
 * `labels`, when given, are the labels the move is about to give the item on GitHub,
 * so the mirror never shows the new status beside the old owner; `heldBy`, a run that
 * must still hold the item's claim.
 */
export async function compareAndSetStatus(
  pool: Pool,
  repository: string,
  number: number,
  move: { from: Status | null; to: Status | null; labels?: readonly string[] | undefined; heldBy?: number | undefined },
): Promise<boolean> {
  const labels = move.labels ?? null
  // A run moves only the item it still holds: one whose lease lapsed and was claimed again is not its own any more.
  const result = await pool.query(
    `update work_items set status = $4, status_changed_at = now(), updated_at = now(),
       labels = coalesce($5, labels), owner_agent = case when $5::text[] is null then owner_agent else $6 end
     where repository = $1 and number = $2 and status is not distinct from $3 and ($7::bigint is null or claimed_by_run = $7)`,
    [repository, number, move.from, move.to, labels, labels ? (ownerIn(labels) ?? null) : null, move.heldBy ?? null],
  )
  return result.rowCount === 1
}

/**
 * The reconcile's heal: GitHub shows a status the mirror does not have (a person's
 * label edit whose webhook was lost). The mirror takes GitHub's word unless a run
 * holds the item right now, or the mirror's status moved after GitHub built what it
 * showed (`seenAt`): then Gaffer's own write is on its way and GitHub is behind.
 */
export async function adoptStatus(pool: Pool, repository: string, number: number, status: Status, seenAt: string): Promise<boolean> {
  const result = await pool.query(
    `update work_items set status = $3, status_changed_at = now(), updated_at = now()
     where repository = $1 and number = $2 and status is distinct from $3
       and (claimed_by_run is null or lease_expires_at < now())
       and (status_changed_at is null or status_changed_at < $4::timestamptz)`,
    [repository, number, status, seenAt],
  )
  return result.rowCount === 1
}

export async function markClosed(pool: Pool, repository: string, number: number): Promise<void> {
  await pool.query("update work_items set state = 'closed', updated_at = now() where repository = $1 and number = $2", [repository, number])
}

export async function getWorkItem(pool: Pool, repository: string, number: number): Promise<WorkItem | undefined> {
  const result = await pool.query<WorkItem>('select * from work_items where repository = $1 and number = $2', [repository, number])
  return result.rows[0]
}

/**
 * Items whose title or body holds every one of `words` (case-insensitive), open first
 * and newest first; what an agent's `search_issues` sees.
 */
export async function searchWorkItems(pool: Pool, repository: string, words: readonly string[], limit: number): Promise<WorkItem[]> {
  const { rows } = await pool.query<WorkItem>(
    `select * from work_items where repository = $1
       and (select bool_and(title ilike '%' || w || '%' or body ilike '%' || w || '%') from unnest($2::text[]) as w)
     order by state = 'open' desc, number desc limit $3`,
    [repository, words, limit],
  )
  return rows
}

/** An open item as the state API lists it. */
export type OpenItemRow = Pick<
  WorkItem,
  | 'repository'
  | 'number'
  | 'kind'
  | 'title'
  | 'state'
  | 'status'
  | 'labels'
  | 'priority_score'
  | 'priority_reason'
  | 'delegation_depth'
  | 'parent_number'
  | 'attempts'
> & { owner: string | null; updatedAt: Date }

/** Every open item of every repository, best first within each repository. */
export async function listOpenItemRows(pool: Pool): Promise<OpenItemRow[]> {
  const { rows } = await pool.query<OpenItemRow>(
    `select repository, number, kind, title, state, status, owner_agent as owner, labels, priority_score,
            priority_reason, delegation_depth, parent_number, attempts, updated_at as "updatedAt"
     from work_items where state = 'open' order by repository, priority_score desc, number`,
  )
  return rows
}

export type PendingApprovalRow = {
  repository: string
  number: number
  title: string
  owner: string | null
  since: Date
  /** What the agent asked, from the audit of the move to needs-approval (null before that was recorded). */
  question: string | null
}

/** Open items waiting for a person's approval, longest waiting first. */
export async function listPendingApprovals(pool: Pool): Promise<PendingApprovalRow[]> {
  const { rows } = await pool.query<PendingApprovalRow>(
    `select w.repository, w.number, w.title, w.owner_agent as owner, w.updated_at as "since",
            (select a.detail ->> 'note' from audit_log a where a.repository = w.repository and a.target = w.number
               and a.action = 'status' and a.outcome = 'needs-approval' order by a.at desc, a.id desc limit 1) as question
     from work_items w where w.state = 'open' and w.status = 'needs-approval' order by w.updated_at`,
  )
  return rows
}

export async function listOpenItems(pool: Pool, repository: string): Promise<Array<{ number: number; kind: 'issue' | 'pull' }>> {
  const result = await pool.query<{ number: number; kind: 'issue' | 'pull' }>(
    "select number, kind from work_items where repository = $1 and state = 'open' order by number",
    [repository],
  )
  return result.rows
}

export async function deleteWorkItem(pool: Pool, repository: string, number: number): Promise<void> {
  await pool.query('delete from work_items where repository = $1 and number = $2', [repository, number])
}

/** The parent an item was delegated from, if any. */
export async function parentNumberOf(pool: Pool, repository: string, number: number): Promise<number | undefined> {
  const { rows } = await pool.query<{ parent_number: number | null }>('select parent_number from work_items where repository = $1 and number = $2', [
    repository,
    number,
  ])
  return rows[0]?.parent_number ?? undefined
}

/** Whether `agent` opened a pull request for item `parent` (open or not), as its marker recorded. */
export async function hasAgentPullRequest(pool: Pool, repository: string, parent: number, agent: string): Promise<boolean> {
  const { rows } = await pool.query<{ found: boolean }>(
    `select exists (select 1 from work_items where repository = $1 and parent_number = $2 and kind = 'pull' and created_by_agent = $3) as found`,
    [repository, parent, agent],
  )
  return rows[0]?.found === true
}

const allChildrenFinished = `not exists (select 1 from work_items c where c.repository = p.repository and c.parent_number = p.number
                         and c.state = 'open' and c.status is distinct from 'done')`

/** `waiting` parents whose children are all done or closed: `only` one of them, or every such parent of the repository. */
export async function parentsReadyToResume(pool: Pool, repository: string, only?: number): Promise<WorkItem[]> {
  const { rows } = await pool.query<WorkItem>(
    `select p.* from work_items p
     where p.repository = $1 and ($2::int is null or p.number = $2) and p.status = 'waiting' and p.state = 'open'
       and exists (select 1 from work_items c where c.repository = p.repository and c.parent_number = p.number)
       and ${allChildrenFinished}`,
    [repository, only ?? null],
  )
  return rows
}

/** How many items are open, by repository, kind and status (null: no status label): the queue depth `/metrics` shows. */
export async function countOpenItems(
  pool: Pool,
): Promise<Array<{ repository: string; kind: 'issue' | 'pull'; status: Status | null; count: number }>> {
  const { rows } = await pool.query<{ repository: string; kind: 'issue' | 'pull'; status: Status | null; count: number }>(
    `select repository, kind, status, count(*)::int as count from work_items where state = 'open' group by repository, kind, status`,
  )
  return rows
}
