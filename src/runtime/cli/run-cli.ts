import { spawn } from 'node:child_process'
import { closeSync, existsSync, lstatSync, openSync, readlinkSync, readSync, realpathSync, statSync } from 'node:fs'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { createInterface } from 'node:readline'
import type { CliRuntimeSpec } from '../../config/runtimes.ts'
import { adapterFor } from './adapters/adapter-for.ts'
import type { CliEvent, CliUsage } from './cli-event.ts'
import { cliEnvironment } from './cli-environment.ts'
import { sandboxArgv, systemFolders, type SandboxHost } from './sandbox-argv.ts'
import { createTranscript } from './transcript.ts'

/** A runtime as the operator defined it, with the host's sandbox choice. */
export type CliSpec = CliRuntimeSpec & { sandbox?: 'auto' | 'none' }

export type CliResult = {
  exitCode: number | null
  killed?: 'timeout' | 'aborted'
  /** $GAFFER_REPORT_FILE if the CLI wrote one, else its last message, else the end of its output. */
  report: string
  usage: CliUsage | undefined
  /** stdout and stderr as they came, the last TRANSCRIPT_LIMIT characters of it. */
  transcript: string
  /** Whether bubblewrap confined the run. */
  sandboxed: boolean
}

export type CliRun = {
  /** The workspace: the CLI's working directory and the only folder it may write. */
  cwd: string
  prompt: string
  /** The host environment the runtime's named variables are taken from (nothing else of it is passed). */
  env: Readonly<Record<string, string | undefined>>
  signal: AbortSignal
  timeoutMs: number
  onEvent(event: CliEvent): void
}

const REPORT_LIMIT = 60_000
const STDOUT_REPORT_TAIL = 4_000
/** Time a CLI gets to exit after SIGTERM before its whole group gets SIGKILL. */
const KILL_GRACE_MS = 3_000
/** How long to wait for output pipes after the CLI exits, in case something it left behind holds them. */
const DRAIN_MS = 2_000

/**
 * Runs one CLI (SPEC §14): the prompt on stdin and in $GAFFER_PROMPT_FILE, in its own
 * process group with a scrubbed environment, under bubblewrap when installed; killed
 * with its whole group on timeout or abort. Never throws for what the CLI does; only
 * for a program that cannot be started.
 */
export async function runCli(spec: CliSpec, run: CliRun): Promise<CliResult> {
  const adapter = adapterFor(spec.adapter)
  const scratch = scratchDir(run.cwd)
  const home = path.join(scratch, 'home')
  const promptFile = path.join(scratch, 'prompt.md')
  const reportFile = path.join(scratch, 'report.md')
  await mkdir(home, { recursive: true })
  await rm(reportFile, { force: true })
  await writeFile(promptFile, run.prompt)

  const bwrap = spec.sandbox === 'none' ? undefined : findProgram('bwrap', run.env.PATH)
  const argv = adapter.argv(spec, { sandboxed: bwrap !== undefined })
  const env = cliEnvironment({ host: run.env, names: spec.env, home, promptFile, reportFile, model: spec.model })
  const command = bwrap ? sandboxArgv({ bwrap, cwd: run.cwd, argv, readOnly: programFolders(argv, run.env.PATH), host: sandboxHost() }) : argv

  const transcript = createTranscript()
  const messages: string[] = []
  const usage = createUsageTotal()
  let stdoutTail = ''
  const emit = (event: CliEvent) => {
    if (event.kind === 'message') messages.push(event.text)
    if (event.kind === 'usage') usage.add(event)
    run.onEvent(event)
  }

  const child = spawn(command[0]!, command.slice(1), { cwd: run.cwd, env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] })
  const started = new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve)
    child.once('error', reject)
  })
  try {
    await started
  } catch (error) {
    throw new Error(
      `could not start ${argv[0]} for the ${spec.adapter} runtime: ${(error as Error).message}; check "command" in GAFFER_RUNTIMES and that the program is installed`,
    )
  }
  // A CLI that does not read stdin closes it early; that is its choice, not a failure.
  child.stdin.on('error', () => {})
  child.stdin.end(run.prompt)

  let killed: CliResult['killed']
  let graceTimer: NodeJS.Timeout | undefined
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal)
    } catch {
      // The group is already gone.
    }
  }
  const stop = (reason: 'timeout' | 'aborted') => {
    if (killed || child.exitCode !== null) return
    killed = reason
    killGroup('SIGTERM')
    graceTimer = setTimeout(() => killGroup('SIGKILL'), KILL_GRACE_MS)
  }
  const timer = setTimeout(() => stop('timeout'), run.timeoutMs)
  const onAbort = () => stop('aborted')
  if (run.signal.aborted) onAbort()
  else run.signal.addEventListener('abort', onAbort, { once: true })

  const stdoutDone = readLines(child.stdout, (line) => {
    transcript.append(`${line}\n`)
    stdoutTail = `${stdoutTail}${line}\n`.slice(-STDOUT_REPORT_TAIL)
    for (const event of adapter.parseLine(line)) emit(event)
  })
  const stderrDone = readLines(child.stderr, (line) => transcript.append(`[stderr] ${line}\n`))
  const exitCode = await new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  clearTimeout(timer)
  clearTimeout(graceTimer)
  run.signal.removeEventListener('abort', onAbort)
  // Whatever the CLI left running in its group goes with it.
  killGroup('SIGKILL')
  await Promise.race([Promise.all([stdoutDone, stderrDone]), new Promise((resolve) => setTimeout(resolve, DRAIN_MS).unref())])
  child.stdout.destroy()
  child.stderr.destroy()

  const written = existsSync(reportFile) ? (await readFile(reportFile, 'utf8')).trim() : ''
  const report = (written || messages.at(-1)?.trim() || stdoutTail.trim()).slice(-REPORT_LIMIT)
  return {
    exitCode: killed ? null : exitCode,
    ...(killed ? { killed } : {}),
    report,
    usage: usage.total(),
    transcript: transcript.text(),
    sandboxed: bwrap !== undefined,
  }
}

/**
 * Where the run's HOME, prompt and report live: inside the workspace, under `.git/` when
 * it is a checkout, so they are never taken for changes to commit.
 */
export function scratchDir(cwd: string): string {
  const git = path.join(cwd, '.git')
  return existsSync(git) && statSync(git).isDirectory() ? path.join(git, 'gaffer') : path.join(cwd, '.gaffer')
}

function readLines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): Promise<void> {
  return new Promise((resolve) => {
    const lines = createInterface({ input: stream, crlfDelay: Infinity })
    lines.on('line', onLine)
    lines.once('close', resolve)
  })
}

/**
 * Per-turn usage is summed; a CLI that reports the whole run at the end (Claude Code's
 * result) replaces the sum, so nothing is counted twice.
 */
function createUsageTotal() {
  let sum: CliUsage | undefined
  let final: CliUsage | undefined
  return {
    add(event: Extract<CliEvent, { kind: 'usage' }>) {
      const usage = {
        inputTokens: event.inputTokens,
        outputTokens: event.outputTokens,
        ...(event.costUsd !== undefined ? { costUsd: event.costUsd } : {}),
      }
      if (event.cumulative) {
        final = usage
        return
      }
      const costUsd = sum?.costUsd !== undefined || usage.costUsd !== undefined ? (sum?.costUsd ?? 0) + (usage.costUsd ?? 0) : undefined
      sum = {
        inputTokens: (sum?.inputTokens ?? 0) + usage.inputTokens,
        outputTokens: (sum?.outputTokens ?? 0) + usage.outputTokens,
        ...(costUsd !== undefined ? { costUsd } : {}),
      }
    },
    total: () => final ?? sum,
  }
}

export function findProgram(name: string, pathVariable: string | undefined): string | undefined {
  if (name.includes('/')) return existsSync(name) ? path.resolve(name) : undefined
  for (const dir of (pathVariable ?? '/usr/local/bin:/usr/bin:/bin').split(':').filter(Boolean)) {
    const candidate = path.join(dir, name)
    try {
      if (statSync(candidate).isFile()) return candidate
    } catch {
      // Not in this folder.
    }
  }
  return undefined
}

/**
 * Folders outside the system ones that the program needs to see read-only: the install
 * prefix of the program itself (e.g. a Node from a version manager), the whole
 * `node_modules` of a program installed from npm, and any file named by an absolute path
 * in its arguments (a script).
 */
function programFolders(argv: readonly string[], pathVariable: string | undefined): string[] {
  const folders: string[] = []
  const outsideSystem = (file: string) => !systemFolders.some((folder) => file === folder || file.startsWith(`${folder}/`))
  const program = findProgram(argv[0]!, pathVariable)
  if (program) {
    const real = realpathSync(program)
    if (outsideSystem(real)) folders.push(path.dirname(path.dirname(real)))
    // An npm CLI is a `.bin` link to a launcher script that starts a binary from another
    // package (e.g. @openai/codex runs @openai/codex-linux-x64): all of them must be there.
    for (const file of [program, real]) {
      const modules = npmFolder(file)
      if (modules && outsideSystem(modules)) folders.push(modules)
    }
    // That launcher is a `#!/usr/bin/env node` script: the Node it finds on PATH must be there too.
    const interpreter = scriptInterpreter(real, pathVariable)
    if (interpreter && outsideSystem(interpreter)) folders.push(path.dirname(path.dirname(interpreter)))
  }
  for (const arg of argv.slice(1)) {
    if (path.isAbsolute(arg) && existsSync(arg)) {
      const real = realpathSync(arg)
      if (outsideSystem(real)) folders.push(real)
    }
  }
  return folders
}

/** The real path of the program a `#!` script runs (`#!/usr/bin/env node` is looked up on PATH). */
function scriptInterpreter(file: string, pathVariable: string | undefined): string | undefined {
  let head: string
  try {
    const fd = openSync(file, 'r')
    const buffer = Buffer.alloc(256)
    head = buffer.subarray(0, readSync(fd, buffer, 0, 256, 0)).toString('utf8')
    closeSync(fd)
  } catch {
    return undefined
  }
  if (!head.startsWith('#!')) return undefined
  const [first, second] = head.slice(2).split('\n')[0]!.trim().split(/\s+/)
  const name = first && path.basename(first) === 'env' ? second : first
  const found = name && !name.startsWith('-') ? findProgram(name, pathVariable) : undefined
  return found ? realpathSync(found) : undefined
}

/** The outermost `node_modules` folder holding `file`, where npm put it and its dependencies. */
function npmFolder(file: string): string | undefined {
  const at = file.indexOf(`${path.sep}node_modules${path.sep}`)
  return at === -1 ? undefined : file.slice(0, at + `${path.sep}node_modules`.length)
}

/** The system folders as they are on this machine, for `sandboxArgv`. */
export function sandboxHost(): SandboxHost {
  const systemPaths: SandboxHost['systemPaths'] = []
  for (const folder of systemFolders) {
    if (!existsSync(folder)) continue
    const stat = lstatSync(folder)
    systemPaths.push(stat.isSymbolicLink() ? { path: folder, symlinkTo: readlinkSync(folder) } : { path: folder })
  }
  return { systemPaths }
}
