import type { Pool } from './pool.ts'

/** A judgment the model gave, with the normalized text it was given for. */
export type CachedJudgment = { words: string[]; guard: string[]; adjustment: number; why: string }

/**
 * Judgments of this repository and model given since `since` that share at least one
 * band key with the text (the GIN index on `bands`); the caller keeps the ones similar enough.
 */
export async function findCachedJudgments(
  pool: Pool,
  key: { repository: string; model: string; bands: readonly string[] },
  since: Date,
): Promise<CachedJudgment[]> {
  const { rows } = await pool.query<CachedJudgment>(
    `select words, guard, adjustment, why from priority_cache
     where bands && $3::text[] and repository = $1 and model = $2 and created_at > $4
     order by created_at desc limit 20`,
    [key.repository, key.model, key.bands, since],
  )
  return rows
}

export async function cacheJudgment(
  pool: Pool,
  entry: { repository: string; model: string; bands: readonly string[] } & CachedJudgment,
  now: Date,
): Promise<void> {
  await pool.query(
    `insert into priority_cache (repository, model, bands, words, guard, adjustment, why, created_at) values ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [entry.repository, entry.model, entry.bands, entry.words, entry.guard, entry.adjustment, entry.why, now],
  )
}

/** Drops judgments older than `before`: past their TTL they are never read again. */
export async function pruneCachedJudgments(pool: Pool, before: Date): Promise<number> {
  const { rowCount } = await pool.query(`delete from priority_cache where created_at <= $1`, [before])
  return rowCount ?? 0
}
