import type { CliAdapterName } from '../config/runtimes.ts'
import type { DoctorLine } from './doctor-line.ts'

/** One CLI runtime of GAFFER_RUNTIMES as found on this machine. */
export type RuntimeProbe = {
  name: string
  adapter: CliAdapterName
  /** The program the runtime starts (its `command`, or the adapter's usual one). */
  program: string
  /** Where it was found; undefined when it is not there. */
  path: string | undefined
  /** `<program> --version`, when it was asked: its first line, or why it failed. */
  version: { text: string } | { error: string } | undefined
  /** Variables the runtime passes through (`env`) that are not set in Gaffer's environment. */
  unsetVariables: string[]
}

/** Bubblewrap, which confines CLI runs: the GAFFER_SANDBOX setting, and whether it is there and works. */
export type SandboxProbe =
  { setting: 'none' } | { setting: 'auto'; bwrap: undefined } | { setting: 'auto'; bwrap: string; version: string; error: string | undefined }

const installHints: Record<CliAdapterName, string | undefined> = {
  codex: 'npm install -g @openai/codex',
  'claude-code': 'npm install -g @anthropic-ai/claude-code',
  opencode: 'npm install -g opencode-ai',
  command: undefined,
}

/** A line per runtime (found, its version, variables it expects) and one for the sandbox when any runtime is defined. */
export function runtimesVerdict(runtimes: readonly RuntimeProbe[], sandbox: SandboxProbe): DoctorLine[] {
  if (runtimes.length === 0) {
    return [{ verdict: 'OK', check: 'runtimes', text: 'no CLI runtimes defined (GAFFER_RUNTIMES): every agent uses the built-in chat runtime' }]
  }
  return [...runtimes.flatMap(runtimeLines), sandboxLine(sandbox)]
}

function runtimeLines(runtime: RuntimeProbe): DoctorLine[] {
  const check = `runtime ${runtime.name}`
  if (runtime.path === undefined) {
    const where = runtime.program.includes('/') ? `there is no ${runtime.program}` : `${runtime.program} is not on PATH`
    const hint = installHints[runtime.adapter]
    return [
      {
        verdict: 'FAIL',
        check,
        text: `${where}: agents with \`runtime: ${runtime.name}\` cannot work`,
        fix: `${hint ? `install it (${hint}), or ` : ''}set its "command" in GAFFER_RUNTIMES to the program's full path`,
      },
    ]
  }
  const lines: DoctorLine[] = []
  const version = runtime.version
  if (version === undefined) {
    lines.push({ verdict: 'OK', check, text: `${runtime.path} (a command runtime is not run to ask its version)` })
  } else if ('error' in version) {
    lines.push({
      verdict: 'WARN',
      check,
      text: `${runtime.path} is there, but \`${runtime.program} --version\` failed: ${version.error}`,
      fix: 'check that it runs for the user Gaffer runs as',
    })
  } else {
    lines.push({ verdict: 'OK', check, text: `${runtime.path}, ${version.text}` })
  }
  if (runtime.unsetVariables.length > 0) {
    const names = runtime.unsetVariables.join(', ')
    lines.push({
      verdict: 'WARN',
      check,
      text: `passes ${names} to the CLI, but ${runtime.unsetVariables.length === 1 ? 'it is' : 'they are'} not set here`,
      fix: `set ${names} in Gaffer's environment, or take ${runtime.unsetVariables.length === 1 ? 'it' : 'them'} out of the runtime's "env"`,
    })
  }
  return lines
}

function sandboxLine(sandbox: SandboxProbe): DoctorLine {
  if (sandbox.setting === 'none') {
    return {
      verdict: 'WARN',
      check: 'sandbox',
      text: "GAFFER_SANDBOX=none: CLI runs are not confined: they can read the whole host, Gaffer's own secrets included (its environment in /proc)",
      fix: 'install bubblewrap (apt-get install bubblewrap) and unset GAFFER_SANDBOX',
    }
  }
  if (sandbox.bwrap === undefined) {
    return {
      verdict: 'FAIL',
      check: 'sandbox',
      text: 'bubblewrap (bwrap) is not installed: CLI runs would not be confined and could read the whole host',
      fix: 'install it (apt-get install bubblewrap), or set GAFFER_SANDBOX=none to run CLIs unconfined on purpose',
    }
  }
  if (sandbox.error !== undefined) {
    return {
      verdict: 'FAIL',
      check: 'sandbox',
      text: `${sandbox.bwrap} cannot make a sandbox here: ${sandbox.error}`,
      fix: 'allow unprivileged user namespaces (e.g. sysctl kernel.unprivileged_userns_clone=1; in a container, a seccomp profile that permits them), or set GAFFER_SANDBOX=none to run CLIs unconfined on purpose',
    }
  }
  return { verdict: 'OK', check: 'sandbox', text: `${sandbox.version} at ${sandbox.bwrap} confines CLI runs` }
}
