import type { Config } from '../config/env.ts'
import { hasModel } from '../llm/model-client.ts'
import { probeToolCall } from '../llm/probe-tool-call.ts'
import type { DoctorLine } from './doctor-line.ts'
import { modelVerdict } from './model-verdict.ts'

/** How long each of the two requests may take; a model loading into memory can be slow to answer the first. */
const MODEL_TIMEOUT_MS = 60_000

/** One tool-call round trip with the default model (GAFFER_MODEL) through the real `openai` client. */
export async function checkModel(openai: Config['openai'], timeoutMs = MODEL_TIMEOUT_MS): Promise<DoctorLine> {
  const target = { where: openai.baseUrl ?? 'https://api.openai.com/v1', model: openai.model }
  if (!hasModel(openai)) return modelVerdict(target, { kind: 'not-configured' })
  return modelVerdict(target, await probeToolCall({ ...openai, timeoutMs }))
}
