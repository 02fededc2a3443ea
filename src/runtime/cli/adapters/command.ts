import type { CliAdapter } from '../cli-event.ts'

/**
 * Any program (SPEC §14): the prompt on stdin and in $GAFFER_PROMPT_FILE, the report in
 * $GAFFER_REPORT_FILE or else the end of stdout. Its output has no format, so every
 * non-empty line is progress.
 */
export const commandAdapter: CliAdapter = {
  argv(spec) {
    if (!spec.command) throw new Error('the command adapter needs "command" in its runtime definition, e.g. ["./my-agent"]')
    // The model, when set, reaches the program as $GAFFER_MODEL.
    return [...spec.command]
  },
  parseLine(line) {
    const trimmed = line.trim()
    return trimmed === '' ? [] : [{ kind: 'progress', text: trimmed.slice(0, 200) }]
  },
}
