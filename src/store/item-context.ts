import type { Pool } from './pool.ts'

export type AncestorRow = { number: number; title: string; labels: string[] }
export type ChildRow = { number: number; title: string; status: string | null; state: string; owner_agent: string | null }

/** The parent chain of an item, nearest first. */
export async function ancestorsOf(pool: Pool, repository: string, number: number): Promise<AncestorRow[]> {
  const { rows } = await pool.query<AncestorRow & { hops: number }>(
    `with recursive chain as (
       select number, parent_number, title, labels, 0 as hops from work_items where repository = $1 and number = $2
       union all
       select w.number, w.parent_number, w.title, w.labels, chain.hops + 1
       from work_items w join chain on w.repository = $1 and w.number = chain.parent_number where chain.hops < 50
     ) select number, title, labels, hops from chain where hops > 0 order by hops`,
    [repository, number],
  )
  return rows.map(({ number, title, labels }) => ({ number, title, labels }))
}

export async function childrenOf(pool: Pool, repository: string, number: number): Promise<ChildRow[]> {
  const { rows } = await pool.query<ChildRow>(
    'select number, title, status, state, owner_agent from work_items where repository = $1 and parent_number = $2 order by number',
    [repository, number],
  )
  return rows
}

/** The circuit breaker's memory: how many times in a row this item failed the same way. */
export async function recordFailure(pool: Pool, repository: string, number: number, signature: string): Promise<number> {
  const { rows } = await pool.query<{ failure_count: number }>(
    `update work_items set failure_count = case when failure_signature = $3 then failure_count + 1 else 1 end, failure_signature = $3
     where repository = $1 and number = $2 returning failure_count`,
    [repository, number, signature],
  )
  return rows[0]?.failure_count ?? 1
}

export async function clearFailures(pool: Pool, repository: string, number: number): Promise<void> {
  await pool.query('update work_items set failure_count = 0, failure_signature = null where repository = $1 and number = $2 and failure_count > 0', [
    repository,
    number,
  ])
}
