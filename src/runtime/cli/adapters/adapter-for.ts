import type { CliAdapterName } from '../../../config/runtimes.ts'
import type { CliAdapter } from '../cli-event.ts'
import { claudeCodeAdapter } from './claude-code.ts'
import { codexAdapter } from './codex.ts'
import { commandAdapter } from './command.ts'
import { opencodeAdapter } from './opencode.ts'

const adapters: Record<CliAdapterName, CliAdapter> = {
  codex: codexAdapter,
  'claude-code': claudeCodeAdapter,
  opencode: opencodeAdapter,
  command: commandAdapter,
}

export function adapterFor(name: CliAdapterName): CliAdapter {
  return adapters[name]
}
