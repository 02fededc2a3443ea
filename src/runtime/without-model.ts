import type { WorkHook } from '../heartbeat/heartbeat.ts'

/**
 * The work step when no model is configured: the item is blocked with the reason,
 * so a person sees why nothing happens (SPEC §7). Routing, claims and the rest go on.
 */
export function workWithoutModel(reason = 'no model configured'): WorkHook {
  return async ({ setStatus }) => {
    await setStatus('block', `Blocked: ${reason}. Set OPENAI_API_KEY or OPENAI_BASE_URL so agents can work, then unblock this item.`)
    return { tokens: 0, costUsd: 0 }
  }
}
