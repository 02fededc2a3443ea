import { REHEARSAL_MODEL } from './rehearsal-model.ts'

/**
 * Whether agents are played by the rehearsal model: whenever GAFFER_MODEL=rehearsal asks
 * for it, and in the sandbox whenever no model server is configured (no OPENAI_API_KEY,
 * no OPENAI_BASE_URL). The GitHub App never falls back to it: without a model its agents
 * do only what needs none (src/runtime/without-model.ts).
 */
export function rehearsalWanted(
  openai: { apiKey: string | undefined; baseUrl: string | undefined; model: string },
  mode: 'sandbox' | 'app',
): boolean {
  if (openai.model === REHEARSAL_MODEL) return true
  return mode === 'sandbox' && openai.apiKey === undefined && openai.baseUrl === undefined
}
