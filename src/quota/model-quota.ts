import type { ModelQuota } from '../llm/model-client.ts'
import type { Pool } from '../store/pool.ts'
import { recordQuotaSpend } from '../store/quota-buckets.ts'
import type { QuotaArbiter } from './quota-arbiter.ts'
import { modelCallSpend } from './quota-settings.ts'

/**
 * The model client's side of the shared quota: a call waits its turn for the model's
 * requests a minute, tokens a minute (its estimate) and a concurrent place, in the rank
 * of the work it serves; when it ends, its place is given back and the tokens the server
 * reported replace the estimate. A hold outlives a call that hangs at most `holdMs`.
 */
export function createModelQuota(deps: { pool: Pool; arbiter: QuotaArbiter; holdMs: number }): ModelQuota {
  const { pool, arbiter } = deps
  return {
    async ask({ model, estimatedTokens, signal }) {
      const specs = modelCallSpend(arbiter.settings, model, estimatedTokens)
      const grant = await arbiter.ask({ specs, signal, holdMs: deps.holdMs })
      return {
        async done(spentTokens) {
          await grant.release()
          const tokens = specs.find((spec) => spec.key.endsWith(':tokens/min'))
          if (tokens && arbiter.settings.enabled && spentTokens > 0 && spentTokens !== estimatedTokens)
            await recordQuotaSpend(pool, tokens.key, spentTokens - estimatedTokens).catch(() => {})
        },
      }
    },
  }
}
