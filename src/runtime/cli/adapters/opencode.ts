import { count, jsonObject, record, text, type CliAdapter, type CliEvent } from '../cli-event.ts'

/**
 * sst's opencode: `opencode run --format json` prints one JSON event per line
 * (step_start, text, tool_use, step_finish with `part.tokens` and `part.cost`, error).
 * The prompt comes on stdin. The model is `provider/model`, e.g. `ollama/qwen3-coder`.
 */
export const opencodeAdapter: CliAdapter = {
  argv(spec) {
    const [program, ...rest] = spec.command ?? ['opencode']
    return [program!, ...rest, 'run', '--format', 'json', ...(spec.model ? ['--model', spec.model] : [])]
  },
  parseLine(line) {
    const event = jsonObject(line)
    if (!event) return []
    const part = record(event.part)
    switch (event.type) {
      case 'text': {
        const message = text(part.text)
        return message ? [{ kind: 'message', text: message }] : []
      }
      case 'tool_use': {
        const tool = text(part.tool)
        const input = record(record(part.state).input)
        const target = text(input.command) ?? text(input.filePath) ?? text(input.path)
        return tool ? [{ kind: 'progress', text: `${tool}${target ? ` ${target}` : ''}` }] : []
      }
      case 'step_finish': {
        const tokens = record(part.tokens)
        const cache = record(tokens.cache)
        const events: CliEvent[] = [
          {
            kind: 'usage',
            inputTokens: count(tokens.input) + count(cache.read) + count(cache.write),
            outputTokens: count(tokens.output) + count(tokens.reasoning),
            ...(typeof part.cost === 'number' && part.cost > 0 ? { costUsd: part.cost } : {}),
          },
        ]
        return events
      }
      case 'error': {
        const error = record(event.error)
        return [{ kind: 'error', text: text(record(error.data).message) ?? text(error.message) ?? text(error.name) ?? 'error' }]
      }
      default:
        return []
    }
  },
}
