import { forbiddenVariables } from '../../config/runtimes.ts'

/**
 * The whole environment a CLI gets (SPEC §14): PATH, HOME inside the workspace, LANG, the
 * contract's files, and only the host variables its runtime names. Nothing else of the
 * host's environment leaks in, so a secret is absent unless an operator named it.
 */
export function cliEnvironment(input: {
  host: Readonly<Record<string, string | undefined>>
  names: readonly string[]
  home: string
  promptFile: string
  reportFile: string
  model: string | undefined
}): Record<string, string> {
  const env: Record<string, string> = {}
  for (const name of input.names) {
    const value = input.host[name]
    if (value !== undefined && !(forbiddenVariables as readonly string[]).includes(name)) env[name] = value
  }
  return {
    ...env,
    PATH: input.host.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: input.home,
    LANG: input.host.LANG ?? 'C.UTF-8',
    GAFFER_PROMPT_FILE: input.promptFile,
    GAFFER_REPORT_FILE: input.reportFile,
    ...(input.model ? { GAFFER_MODEL: input.model } : {}),
  }
}
