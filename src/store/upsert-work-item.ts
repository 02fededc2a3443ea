import type { Provenance } from '../company/marker.ts'
import { mostAdvanced, ownerIn, statusesIn } from '../company/labels.ts'
import { batchWrites, type BatchOutcome } from './batch-writes.ts'
import type { Pool } from './pool.ts'
import { workItemColumns, type GitHubItem, type WorkItem } from './work-items.ts'

/**
 * Writes what GitHub says about an item into the mirror. A payload older than what the
 * mirror already holds is ignored, so late or replayed events never roll state back.
 * A new item takes its status from its labels; a known item's status is left alone
 * here, since only the status writer (`mirror/move-item.ts`) changes it.
 * The echo of Gaffer's own write (`labelsAreCurrent: false`) leaves labels, status and
 * open/closed alone: Gaffer mirrored them when it wrote them, and a late echo of an
 * earlier write in the same second must not undo a later one.
 * `provenance` (parent, depth, the agent that opened it) is the caller's to vouch for:
 * it comes only from the app's own marker on an item the app wrote. The first provenance
 * recorded stays: a later body edit (a writer may edit the app's issue) cannot move an
 * item under another parent, and an update without provenance never erases it.
 * Returns the row as written, or undefined when the mirror already had newer data.
 */
export async function upsertWorkItem(
  pool: Pool,
  item: GitHubItem,
  options: { labelsAreCurrent?: boolean; provenance: Provenance | undefined },
): Promise<WorkItem | undefined> {
  let upsert = upserters.get(pool)
  if (!upsert) upserters.set(pool, (upsert = batchWrites((batch: Upsert[]) => upsertWorkItems(pool, batch))))
  return upsert({ item, labelsAreCurrent: options.labelsAreCurrent ?? true, provenance: options.provenance })
}

type Upsert = { item: GitHubItem; labelsAreCurrent: boolean; provenance: Provenance | undefined }

// Upserts arriving while one is on its way (webhooks processed at once) share the next
// statement and its commit, one batch per pool.
const upserters = new WeakMap<Pool, (upsert: Upsert) => Promise<WorkItem | undefined>>()

/**
 * The upsert of many items in one statement per kind of upsert (whether labels are
 * current, whether the state and the depth are known: what the update may take from the
 * payload depends on them, and `excluded` cannot say). An item twice in a batch goes in
 * a later statement, so each write sees the one before it.
 */
async function upsertWorkItems(pool: Pool, batch: readonly Upsert[]): Promise<BatchOutcome<WorkItem | undefined>> {
  const outcomes: BatchOutcome<WorkItem | undefined> = new Array(batch.length)
  const kinds = new Map<string, number[]>()
  batch.forEach((upsert, index) => {
    const kind = `${upsert.labelsAreCurrent ? 1 : 0}${upsert.item.state === undefined ? 0 : 1}${upsert.provenance?.depth == null ? 0 : 1}`
    kinds.set(kind, [...(kinds.get(kind) ?? []), index])
  })
  await Promise.all(
    [...kinds].map(async ([kind, indexes]) => {
      for (let left = indexes; left.length > 0;) {
        const seen = new Set<string>()
        const round = left.filter((index) => {
          const key = `${batch[index]!.item.repository}#${batch[index]!.item.number}`
          return !seen.has(key) && seen.add(key)
        })
        left = left.filter((index) => !round.includes(index))
        try {
          const rows = await upsertRound(
            pool,
            kind,
            round.map((index) => batch[index]!),
          )
          round.forEach((index, at) => (outcomes[index] = { status: 'fulfilled', value: rows[at] }))
        } catch (error) {
          if (round.length === 1) outcomes[round[0]!] = { status: 'rejected', reason: error }
          else await upsertOneByOne(pool, kind, batch, round, outcomes)
        }
      }
    }),
  )
  return outcomes
}

/**
 * A statement fails for all its rows when one row is refused (an item of a repository
 * the mirror does not have, text the database cannot hold, a deadlock with another
 * writer), so its rows are written again each on its own: only the refused one fails,
 * and the others' deliveries are not failed and run again for it.
 */
async function upsertOneByOne(
  pool: Pool,
  kind: string,
  batch: readonly Upsert[],
  round: readonly number[],
  outcomes: BatchOutcome<WorkItem | undefined>,
): Promise<void> {
  const settled = await Promise.allSettled(round.map(async (index) => (await upsertRound(pool, kind, [batch[index]!]))[0]))
  round.forEach((index, at) => (outcomes[index] = settled[at]!))
}

async function upsertRound(pool: Pool, kind: string, round: readonly Upsert[]): Promise<Array<WorkItem | undefined>> {
  const [labelsAreCurrent, stateKnown, depthKnown] = [...kind].map((bit) => bit === '1')
  // Only a payload whose labels and state the mirror takes confirms the row: an echo of
  // Gaffer's own write, or an event without the state, says nothing of what it left alone.
  const confirms = labelsAreCurrent && stateKnown
  const rows = round.map(({ item, provenance }) => ({
    repository: item.repository,
    number: item.number,
    kind: item.kind,
    title: item.title,
    state: item.state ?? null,
    status: mostAdvanced(statusesIn(item.labels)) ?? null,
    owner_agent: ownerIn(item.labels) ?? null,
    labels: item.labels,
    author: item.author,
    depth: provenance?.depth ?? null,
    parent_number: provenance?.parent ?? null,
    created_by_agent: provenance?.createdByAgent ?? null,
    created_at: item.createdAt,
    updated_at: item.updatedAt,
    body: item.body ?? '',
    comments: item.comments ?? null,
    node_id: item.nodeId ?? null,
  }))
  const result = await pool.query<WorkItem>({
    // Prepared once per connection and kind: every webhook about an issue or pull request runs it.
    name: `gaffer-upsert-work-items-${kind}`,
    text: `insert into work_items (repository, number, kind, title, state, status, owner_agent, labels, author,
        delegation_depth, parent_number, created_by_agent, github_created_at, github_updated_at, body, github_confirmed_at, github_comment_count, node_id)
     select r.repository, r.number, r.kind, r.title, coalesce(r.state, 'open'), r.status, r.owner_agent, r.labels, r.author,
        coalesce(r.depth, 0), r.parent_number, r.created_by_agent, r.created_at, r.updated_at, r.body, ${confirms ? 'now()' : 'null'}, r.comments, r.node_id
     from json_to_recordset($1::json) as r(repository text, number int, kind text, title text, state text, status text, owner_agent text,
        labels text[], author text, depth int, parent_number int, created_by_agent text, created_at timestamptz, updated_at timestamptz, body text,
        comments int, node_id text)
     on conflict (repository, number) do update set
        -- A number never changes from pull request to issue; some issue events omit the pull_request field.
        kind = case when work_items.kind = 'pull' then 'pull' else excluded.kind end, title = excluded.title,
        state = ${labelsAreCurrent && stateKnown ? 'excluded.state' : 'work_items.state'},
        -- Status moves only through the status writer (and the reconcile's heal); a payload never sets it.
        owner_agent = ${labelsAreCurrent ? 'excluded.owner_agent' : 'work_items.owner_agent'},
        labels = ${labelsAreCurrent ? 'excluded.labels' : 'work_items.labels'},
        author = excluded.author, body = excluded.body,
        delegation_depth = case when work_items.created_by_agent is null then ${depthKnown ? 'excluded.delegation_depth' : 'work_items.delegation_depth'}
                                else work_items.delegation_depth end,
        parent_number = case when work_items.created_by_agent is null then coalesce(excluded.parent_number, work_items.parent_number)
                             else work_items.parent_number end,
        created_by_agent = coalesce(work_items.created_by_agent, excluded.created_by_agent),
        github_updated_at = excluded.github_updated_at, updated_at = now(), node_id = coalesce(excluded.node_id, work_items.node_id),
        github_confirmed_at = ${confirms ? 'now()' : 'work_items.github_confirmed_at'},
        -- GitHub's count as of this payload (its comments mirrored, the row's confirmation confirms them: item-comments.ts).
        github_comment_count = excluded.github_comment_count
     where work_items.github_updated_at is null or work_items.github_updated_at <= excluded.github_updated_at
     returning ${workItemColumns}`,
    values: [JSON.stringify(rows)],
  })
  const written = new Map(result.rows.map((row) => [`${row.repository}#${row.number}`, row]))
  return round.map(({ item }) => written.get(`${item.repository}#${item.number}`))
}
