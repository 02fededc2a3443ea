import { count, jsonObject, record, text, type CliAdapter, type CliEvent } from '../cli-event.ts'

/**
 * Anthropic's Claude Code in print mode: `claude -p --output-format stream-json --verbose`
 * prints `system` (init), `assistant` and `user` messages, then one `result` with the
 * final text, the whole run's `usage` and `total_cost_usd`. The prompt comes on stdin.
 * Edits are accepted and the shell allowed (`--allowedTools Bash`): print mode has no one
 * to ask, so anything needing approval is refused, and `acceptEdits` alone refuses most
 * commands — the agent could not run the tests. A refusal is shown as an error step.
 */
export const claudeCodeAdapter: CliAdapter = {
  argv(spec) {
    const [program, ...rest] = spec.command ?? ['claude']
    return [
      program!,
      ...rest,
      '-p',
      '--output-format',
      'stream-json',
      '--verbose',
      '--permission-mode',
      'acceptEdits',
      '--allowedTools',
      'Bash',
      ...(spec.model ? ['--model', spec.model] : []),
    ]
  },
  parseLine(line) {
    const event = jsonObject(line)
    if (!event) return []
    if (event.type === 'assistant') return assistantEvents(record(event.message))
    if (event.type === 'system' && event.subtype === 'permission_denied') {
      return [{ kind: 'error', text: `not allowed: ${text(event.message) ?? text(event.tool_name) ?? 'a tool'}` }]
    }
    if (event.type === 'result') {
      const usage = record(event.usage)
      const events: CliEvent[] = []
      const result = text(event.result)
      if (event.is_error === true || (typeof event.subtype === 'string' && event.subtype.startsWith('error'))) {
        events.push({ kind: 'error', text: result ?? String(event.subtype) })
      } else if (result) {
        events.push({ kind: 'message', text: result })
      }
      const cost = typeof event.total_cost_usd === 'number' ? { costUsd: event.total_cost_usd } : {}
      events.push({
        kind: 'usage',
        // Cache reads and writes are input the model read, and are billed as such.
        inputTokens: count(usage.input_tokens) + count(usage.cache_read_input_tokens) + count(usage.cache_creation_input_tokens),
        outputTokens: count(usage.output_tokens),
        cumulative: true,
        ...cost,
      })
      return events
    }
    return []
  },
}

function assistantEvents(message: Record<string, unknown>): CliEvent[] {
  const content = Array.isArray(message.content) ? message.content.map(record) : []
  const events: CliEvent[] = []
  for (const block of content) {
    if (block.type === 'text' && text(block.text)) events.push({ kind: 'message', text: String(block.text) })
    if (block.type === 'tool_use' && text(block.name)) {
      const input = record(block.input)
      const target = text(input.command) ?? text(input.file_path) ?? text(input.path)
      events.push({ kind: 'progress', text: `${String(block.name)}${target ? ` ${target}` : ''}` })
    }
  }
  return events
}
