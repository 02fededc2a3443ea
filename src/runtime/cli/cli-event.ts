import type { CliRuntimeSpec } from '../../config/runtimes.ts'

/** What one line of a CLI's output meant, as far as Gaffer cares. */
export type CliEvent =
  /** Something the CLI is doing (a command it ran, a file it changed), for the progress comment. */
  | { kind: 'progress'; text: string }
  /** A message of the agent's; the last one is its report unless the CLI wrote a report file. */
  | { kind: 'message'; text: string }
  /** Tokens (and cost when the CLI knows it) of one turn or of the whole run, see `cumulative`. */
  | { kind: 'usage'; inputTokens: number; outputTokens: number; costUsd?: number; cumulative?: boolean }
  | { kind: 'error'; text: string }

export type CliUsage = { inputTokens: number; outputTokens: number; costUsd?: number }

/** How Gaffer drives one kind of CLI: the argv for a prompt on stdin, and a reader for its output lines. */
export type CliAdapter = {
  /**
   * The program and arguments; the prompt always arrives on stdin (and in $GAFFER_PROMPT_FILE).
   * `sandboxed` says whether Gaffer's bubblewrap already confines the run.
   */
  argv(spec: CliRuntimeSpec, host?: { sandboxed: boolean }): string[]
  /** One stdout line to events; a line it cannot read gives none (it stays in the transcript). */
  parseLine(line: string): CliEvent[]
}

/** Parses a JSON line into an object, or undefined for anything else. */
export function jsonObject(line: string): Record<string, unknown> | undefined {
  const text = line.trim()
  if (!text.startsWith('{')) return undefined
  try {
    const value = JSON.parse(text) as unknown
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

export function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {}
}

export function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined
}

export function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : 0
}
