import type { ModelAdjustment } from '../company/priority.ts'
import { SIMILAR_ENOUGH, textSimilarity, type TextSignature } from '../company/text-signature.ts'
import type { Pool } from '../store/pool.ts'
import { findCachedJudgments } from '../store/priority-cache.ts'

/** How long a judgment answers for paraphrases of its text (SPEC §17). */
export const JUDGMENT_TTL_MS = 30 * 60_000

/**
 * The semantic cache's answer for a text: the judgment of the most similar text of the same
 * repository and model judged in the last 30 minutes, if one is similar enough. Candidates
 * come by band key from Postgres (every replica's judgments); the words decide.
 */
export async function cachedJudgment(
  pool: Pool,
  key: { repository: string; model: string },
  signature: TextSignature,
  now: Date,
): Promise<ModelAdjustment | undefined> {
  if (signature.bands.length === 0) return undefined
  const candidates = await findCachedJudgments(pool, { ...key, bands: signature.bands }, new Date(now.getTime() - JUDGMENT_TTL_MS))
  let best: { similarity: number; adjustment: ModelAdjustment } | undefined
  for (const candidate of candidates) {
    const similarity = textSimilarity(signature, candidate)
    if (similarity >= SIMILAR_ENOUGH && similarity > (best?.similarity ?? 0)) {
      best = { similarity, adjustment: { adjustment: candidate.adjustment, why: candidate.why } }
    }
  }
  return best?.adjustment
}
