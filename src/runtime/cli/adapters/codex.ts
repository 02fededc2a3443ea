import { count, jsonObject, record, text, type CliAdapter, type CliEvent } from '../cli-event.ts'

/**
 * OpenAI's Codex CLI in non-interactive mode: `codex exec --json` prints one JSON
 * event per line (thread.started, turn.started, item.started/updated/completed,
 * turn.completed with usage, turn.failed, error). `-` reads the prompt from stdin.
 */
export const codexAdapter: CliAdapter = {
  argv(spec, host) {
    const [program, ...rest] = spec.command ?? ['codex']
    // Codex's own workspace-write sandbox is bubblewrap too. Inside Gaffer's it is a
    // second, nested one that adds nothing, and its helper fails to start whenever its
    // HOME is under the temporary folder: its commands then fail and the run ends with
    // no change. One sandbox, Gaffer's, when Gaffer has it; Codex's otherwise.
    const sandbox = host?.sandboxed ? 'danger-full-access' : 'workspace-write'
    return [program!, ...rest, 'exec', '--json', '--skip-git-repo-check', '--sandbox', sandbox, ...(spec.model ? ['--model', spec.model] : []), '-']
  },
  parseLine(line) {
    const event = jsonObject(line)
    if (!event) return []
    switch (event.type) {
      case 'item.completed':
        return itemEvents(record(event.item))
      case 'turn.completed': {
        const usage = record(event.usage)
        return [{ kind: 'usage', inputTokens: count(usage.input_tokens), outputTokens: count(usage.output_tokens) }]
      }
      case 'turn.failed':
        return [{ kind: 'error', text: text(record(event.error).message) ?? 'the turn failed' }]
      case 'error':
        return [{ kind: 'error', text: text(event.message) ?? 'error' }]
      default:
        return []
    }
  },
}

function itemEvents(item: Record<string, unknown>): CliEvent[] {
  // Older releases named the field item_type.
  const type = item.type ?? item.item_type
  if (type === 'agent_message') {
    const message = text(item.text)
    return message ? [{ kind: 'message', text: message }] : []
  }
  if (type === 'command_execution') {
    const command = text(item.command)
    const exit = typeof item.exit_code === 'number' ? ` (exit ${item.exit_code})` : ''
    return command ? [{ kind: 'progress', text: `ran \`${command}\`${exit}` }] : []
  }
  if (type === 'file_change') {
    const changes = Array.isArray(item.changes) ? item.changes.map(record) : []
    const paths = changes.map((change) => text(change.path)).filter((path) => path !== undefined)
    return paths.length > 0 ? [{ kind: 'progress', text: `changed ${paths.join(', ')}` }] : []
  }
  if (type === 'error') {
    const message = text(item.message)
    return message ? [{ kind: 'error', text: message }] : []
  }
  return []
}
