import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import type { CliRuntimes } from '../config/runtimes.ts'
import { adapterFor } from '../runtime/cli/adapters/adapter-for.ts'
import { findProgram, sandboxHost } from '../runtime/cli/run-cli.ts'
import { sandboxArgv } from '../runtime/cli/sandbox-argv.ts'
import type { DoctorLine } from './doctor-line.ts'
import { runtimesVerdict, type RuntimeProbe, type SandboxProbe } from './runtimes-verdict.ts'

const execute = promisify(execFile)
/** A CLI that takes longer than this to print its version is reported as failing. */
const VERSION_TIMEOUT_MS = 15_000

/**
 * Finds each runtime's program on PATH and asks its version (`--version`), except a
 * `command` runtime's: that is the operator's own program, and doctor does not run it
 * with arguments it was not written for. Bubblewrap is tried with the very sandbox a CLI
 * run gets, around `true`.
 */
export async function checkRuntimes(cli: { runtimes: CliRuntimes; sandbox: 'auto' | 'none' }, env: NodeJS.ProcessEnv): Promise<DoctorLine[]> {
  const runtimes: RuntimeProbe[] = []
  for (const [name, spec] of Object.entries(cli.runtimes)) {
    const program = adapterFor(spec.adapter).argv(spec)[0]!
    const found = findProgram(program, env.PATH)
    runtimes.push({
      name,
      adapter: spec.adapter,
      program,
      path: found,
      version: found && spec.adapter !== 'command' ? await versionOf(found, env) : undefined,
      unsetVariables: spec.env.filter((variable) => !env[variable]),
    })
  }
  const sandbox = runtimes.length > 0 ? await probeSandbox(cli.sandbox, env) : { setting: 'none' as const }
  return runtimesVerdict(runtimes, sandbox)
}

async function versionOf(program: string, env: NodeJS.ProcessEnv): Promise<{ text: string } | { error: string }> {
  try {
    const { stdout, stderr } = await execute(program, ['--version'], { env, timeout: VERSION_TIMEOUT_MS })
    return { text: firstLine(stdout) || firstLine(stderr) || 'no version printed' }
  } catch (error) {
    return { error: failure(error) }
  }
}

async function probeSandbox(setting: 'auto' | 'none', env: NodeJS.ProcessEnv): Promise<SandboxProbe> {
  if (setting === 'none') return { setting }
  const bwrap = findProgram('bwrap', env.PATH)
  if (!bwrap) return { setting, bwrap: undefined }
  const version = await versionOf(bwrap, env)
  const workspace = await mkdtemp(path.join(tmpdir(), 'gaffer-doctor-'))
  try {
    const [command, ...args] = sandboxArgv({ bwrap, cwd: workspace, argv: ['true'], readOnly: [], host: sandboxHost() })
    await execute(command!, args, { env, timeout: VERSION_TIMEOUT_MS })
    return { setting, bwrap, version: 'text' in version ? version.text : 'bubblewrap', error: undefined }
  } catch (error) {
    return { setting, bwrap, version: 'text' in version ? version.text : 'bubblewrap', error: failure(error) }
  } finally {
    await rm(workspace, { recursive: true, force: true })
  }
}

function failure(error: unknown): string {
  const e = error as { stderr?: string; killed?: boolean; code?: unknown; message?: string }
  if (e.killed) return `no answer within ${VERSION_TIMEOUT_MS / 1000} s`
  return firstLine(e.stderr ?? '') || (typeof e.code === 'number' ? `exit code ${e.code}` : (e.message ?? String(error)))
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0]?.trim() ?? ''
}
