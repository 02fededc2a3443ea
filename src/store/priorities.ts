import { GOAL_LABEL } from '../company/labels.ts'
import { scorePriority, type Priority } from '../company/priority.ts'
import type { Pool } from './pool.ts'

type Row = {
  number: number
  labels: string[]
  parent_number: number | null
  status: string | null
  delegation_depth: number
  created: Date
  priority_score: number
  priority_reason: string
  model_adjustment: number | null
  model_why: string | null
}

const columns = `number, labels, parent_number, status, delegation_depth, coalesce(github_created_at, updated_at) as created,
  priority_score, priority_reason, model_adjustment, model_why`

/** The priority of one item given its ancestors, nearest first. */
function priorityOf(row: Row, ancestors: readonly Row[], now: Date): Priority {
  let goalDistance = row.labels.includes(GOAL_LABEL) ? 0 : undefined
  ancestors.forEach((ancestor, index) => {
    if (goalDistance === undefined && ancestor.labels.includes(GOAL_LABEL)) goalDistance = index + 1
  })
  const unblocks = ancestors.filter((ancestor) => ancestor.status === 'waiting').length
  const judgment = row.model_adjustment === null ? undefined : { adjustment: row.model_adjustment, why: row.model_why ?? '' }
  return scorePriority({ labels: row.labels, createdAt: row.created, unblocks, goalDistance, depth: row.delegation_depth, judgment }, now)
}

function ancestorsIn(byNumber: Map<number, Row>, row: Row): Row[] {
  const chain: Row[] = []
  const seen = new Set([row.number])
  for (let parent = byNumber.get(row.parent_number ?? -1); parent && !seen.has(parent.number); parent = byNumber.get(parent.parent_number ?? -1)) {
    seen.add(parent.number)
    chain.push(parent)
  }
  return chain
}

async function writeChanged(pool: Pool, repository: string, changed: Array<{ number: number } & Priority>): Promise<void> {
  if (changed.length === 0) return
  await pool.query(
    `update work_items w set priority_score = c.score, priority_reason = c.reason
     from unnest($2::int[], $3::int[], $4::text[]) as c(number, score, reason)
     where w.repository = $1 and w.number = c.number`,
    [repository, changed.map((c) => c.number), changed.map((c) => c.score), changed.map((c) => c.reason)],
  )
}

/**
 * Recomputes `priority_score` and `priority_reason` for every open item of a repository
 * (age moves slowly, so the periodic sweep calls this). Writes only what changed.
 */
export async function recomputePriorities(pool: Pool, repository: string, now: Date): Promise<number> {
  const { rows } = await pool.query<Row>(`select ${columns} from work_items where repository = $1 and state = 'open'`, [repository])
  const byNumber = new Map(rows.map((row) => [row.number, row]))
  const changed = rows.flatMap((row) => {
    const priority = priorityOf(row, ancestorsIn(byNumber, row), now)
    return priority.score !== row.priority_score || priority.reason !== row.priority_reason ? [{ number: row.number, ...priority }] : []
  })
  await writeChanged(pool, repository, changed)
  return changed.length
}

/** Recomputes one item's priority from its own ancestor chain, after its labels or place changed. */
export async function refreshItemPriority(pool: Pool, repository: string, number: number, now: Date): Promise<void> {
  const { rows } = await pool.query<Row & { hops: number }>(
    `with recursive chain as (
       select ${columns}, 0 as hops from work_items where repository = $1 and number = $2
       union all
       select w.number, w.labels, w.parent_number, w.status, w.delegation_depth, coalesce(w.github_created_at, w.updated_at),
              w.priority_score, w.priority_reason, w.model_adjustment, w.model_why, chain.hops + 1
       from work_items w join chain on w.repository = $1 and w.number = chain.parent_number
       where chain.hops < 50
     ) select * from chain order by hops`,
    [repository, number],
  )
  const [row, ...ancestors] = rows
  if (!row) return
  const priority = priorityOf(row, ancestors, now)
  if (priority.score !== row.priority_score || priority.reason !== row.priority_reason) {
    await writeChanged(pool, repository, [{ number, ...priority }])
  }
}
