import type OpenAI from 'openai'
import type { ChatCompletion, ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions'

export type ModelSettings = { apiKey: string | undefined; baseUrl: string | undefined; timeoutMs: number; maxRetries: number }

export type ModelTurn = { message: ChatCompletion['choices'][number]['message']; promptTokens: number; completionTokens: number }

/**
 * The shared model quota (SPEC §17): asked before each call with an estimate of its
 * tokens; `done` reports what the call really spent and gives back its concurrent place.
 */
export type ModelQuota = {
  ask(request: { model: string; estimatedTokens: number; signal: AbortSignal }): Promise<{ done(spentTokens: number): Promise<void> }>
}

export type ModelClient = {
  complete(request: { model: string; messages: ChatCompletionMessageParam[]; tools: ChatCompletionTool[]; signal: AbortSignal }): Promise<ModelTurn>
}

/**
 * Chat Completions with tools through the `openai` package, so any OpenAI-compatible
 * server works. The package retries 408/409/429/5xx with back-off and honours
 * `retry-after`; each attempt is bounded by `timeoutMs`. The package is loaded on the first
 * call, not at start: it is the largest one Gaffer uses (about 7 MB resident), and a
 * replica that only ingests webhooks or idles never needs it (docs/decisions.md).
 */
export function createModelClient(settings: ModelSettings, quota?: ModelQuota): ModelClient {
  let client: Promise<OpenAI> | undefined
  const openClient = async () => {
    const { default: OpenAIClient } = await import('openai')
    return new OpenAIClient({
      apiKey: settings.apiKey ?? 'not-needed',
      baseURL: settings.baseUrl,
      timeout: settings.timeoutMs,
      maxRetries: settings.maxRetries,
    })
  }
  return {
    async complete({ model, messages, tools, signal }) {
      client ??= openClient()
      const openai = await client
      const turn = await quota?.ask({ model, estimatedTokens: estimateTokens(messages, tools), signal })
      let spent = 0
      let response: ChatCompletion
      try {
        response = await openai.chat.completions.create({ model, messages, ...(tools.length > 0 ? { tools } : {}) }, { signal })
        spent = response.usage?.total_tokens ?? 0
      } finally {
        await turn?.done(spent)
      }
      const choice = response.choices[0]
      if (!choice) throw new Error('the model server answered without a choice')
      return {
        message: choice.message,
        promptTokens: response.usage?.prompt_tokens ?? 0,
        completionTokens: response.usage?.completion_tokens ?? 0,
      }
    },
  }
}

/** About four characters a token: enough to hold a call's place in a tokens-a-minute budget until the server says what it spent. */
function estimateTokens(messages: ChatCompletionMessageParam[], tools: ChatCompletionTool[]): number {
  return Math.ceil((JSON.stringify(messages).length + JSON.stringify(tools).length) / 4)
}

/** True when a model server is configured at all; without one, work that needs a model is blocked. */
export function hasModel(settings: Pick<ModelSettings, 'apiKey' | 'baseUrl'>): boolean {
  return settings.apiKey !== undefined || settings.baseUrl !== undefined
}
