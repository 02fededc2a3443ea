import type { CliUsage } from './cli-event.ts'

export type CliProgress = {
  agentName: string
  runtime: string
  /** running while the CLI works; the rest say how it ended. */
  state: 'running' | 'published' | 'reviewed' | 'done' | 'blocked' | 'failed' | 'timed out' | 'stopped'
  elapsedMs: number
  /** The CLI's latest steps, oldest first. */
  steps: readonly string[]
  usage: CliUsage | undefined
  /** The report, once there is one. */
  report?: string
}

const SHOWN_STEPS = 8
const STEP_CHARS = 160

/** The item's one progress comment while a CLI works on it, and after (SPEC §14). Plain text in, Markdown out. */
export function cliProgressText(progress: CliProgress): string {
  const minutes = Math.floor(progress.elapsedMs / 60_000)
  const seconds = Math.floor((progress.elapsedMs % 60_000) / 1000)
  const elapsed = minutes > 0 ? `${minutes} min ${seconds} s` : `${seconds} s`
  const usage = progress.usage
    ? ` · ${progress.usage.inputTokens + progress.usage.outputTokens} tokens${progress.usage.costUsd !== undefined ? ` · $${progress.usage.costUsd.toFixed(4)}` : ''}`
    : ''
  const lines = [`**${progress.agentName}** on the \`${progress.runtime}\` runtime: ${progress.state} (${elapsed}${usage})`]
  const steps = progress.steps.slice(-SHOWN_STEPS)
  if (steps.length > 0) {
    const skipped = progress.steps.length - steps.length
    lines.push('', ...(skipped > 0 ? [`- … ${skipped} earlier step${skipped === 1 ? '' : 's'}`] : []), ...steps.map((step) => `- ${stepLine(step)}`))
  }
  if (progress.report) lines.push('', '**Report**', '', progress.report)
  return lines.join('\n')
}

function stepLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  return flat.length > STEP_CHARS ? `${flat.slice(0, STEP_CHARS - 1)}…` : flat
}
