import type { Config } from '../config/env.ts'
import type { ModelOptions } from '../gaffer-options.ts'
import type { Logger } from '../log.ts'
import type { StopList } from '../stop-list.ts'
import { REHEARSAL_MODEL, REHEARSAL_NAME } from './rehearsal/rehearsal-model.ts'
import { rehearsalWanted } from './rehearsal/rehearsal-wanted.ts'
import { startRehearsalServer } from './rehearsal/rehearsal-server.ts'

/**
 * The model a start uses: the configured model server, or, where `rehearsalWanted` says
 * so, the rehearsal model served on loopback for this process (added to `stops`). The
 * GitHub App says loudly that it is rehearsing: nothing its agents write is a model's work.
 */
export async function startModel(config: Pick<Config, 'openai'>, mode: 'sandbox' | 'app', log: Logger, stops: StopList): Promise<ModelOptions> {
  const { openai } = config
  if (!rehearsalWanted(openai, mode)) return { apiKey: openai.apiKey, baseUrl: openai.baseUrl, defaultModel: openai.model }
  const server = await startRehearsalServer(log.child({ model: REHEARSAL_NAME }))
  stops.add('rehearsal model', server.close)
  const unused = [openai.apiKey && 'OPENAI_API_KEY', openai.baseUrl && 'OPENAI_BASE_URL'].filter(Boolean)
  if (mode === 'app') {
    log.warn(
      { model: REHEARSAL_NAME, url: server.url, ...(unused.length > 0 ? { unused } : {}) },
      'GAFFER_MODEL=rehearsal: agents are played by the rehearsal model (no AI), deterministic rules instead of a model; unset GAFFER_MODEL to use a real one',
    )
  } else {
    log.info({ model: REHEARSAL_NAME, url: server.url }, 'no model configured: the sandbox plays its agents with the rehearsal model (no AI)')
  }
  // Retries would only repeat a deterministic answer.
  return { apiKey: undefined, baseUrl: server.url, defaultModel: REHEARSAL_MODEL, rehearsal: true, maxRetries: 0 }
}
