import type { Pool } from './pool.ts'

/** A judgment the model gave, with the normalized text it was given for. */
export type CachedJudgment = { words: string[]; guard: string[]; adjustment: number; why: string }

// The band keys pick the candidates first (an array the primary key is then read with): a
// plan that holds whatever the planner knows of the tables; a join or `in` lets it scan
// every entry of the last 30 minutes instead.
const LOOKUP = `select words, guard, adjustment, why from priority_cache
  where id = any(array(select entry_id from priority_cache_bands where band = any($3::text[])))
    and repository = $1 and model = $2 and created_at > $4
  order by created_at desc limit 20`

/**
 * Judgments of this repository and model given since `since` that share at least one
 * band key with the text; the caller keeps the ones similar enough.
 */
export async function findCachedJudgments(
  pool: Pool,
  key: { repository: string; model: string; bands: readonly string[] },
  since: Date,
): Promise<CachedJudgment[]> {
  // Named, so each connection plans it once: planning cost as much as running it.
  const { rows } = await pool.query<CachedJudgment>({
    name: 'gaffer-priority-cache',
    text: LOOKUP,
    values: [key.repository, key.model, key.bands, since],
  })
  return rows
}

export async function cacheJudgment(
  pool: Pool,
  entry: { repository: string; model: string; bands: readonly string[] } & CachedJudgment,
  now: Date,
): Promise<void> {
  await pool.query(
    `with entry as (
       insert into priority_cache (repository, model, words, guard, adjustment, why, created_at) values ($1, $2, $4, $5, $6, $7, $8) returning id
     )
     insert into priority_cache_bands (band, entry_id) select band, entry.id from entry, unnest($3::text[]) as band on conflict do nothing`,
    [entry.repository, entry.model, entry.bands, entry.words, entry.guard, entry.adjustment, entry.why, now],
  )
}

/** Drops judgments older than `before` (their band keys go with them): past their TTL they are never read again. */
export async function pruneCachedJudgments(pool: Pool, before: Date): Promise<number> {
  const { rowCount } = await pool.query(`delete from priority_cache where created_at <= $1`, [before])
  return rowCount ?? 0
}
