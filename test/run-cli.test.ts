import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import type { CliAdapterName } from '../src/config/runtimes.ts'
import type { CliEvent } from '../src/runtime/cli/cli-event.ts'
import { findProgram, runCli, type CliSpec } from '../src/runtime/cli/run-cli.ts'

const fakeCli = fileURLToPath(new URL('./fixtures/fake-cli.mjs', import.meta.url))
const hasBwrap = findProgram('bwrap', process.env.PATH) !== undefined
const dirs: string[] = []

async function workspace(mode: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'gaffer-run-cli-'))
  dirs.push(dir)
  await mkdir(path.join(dir, '.git'))
  await writeFile(path.join(dir, 'MODE'), mode)
  return dir
}

function spec(adapter: CliAdapterName, extra: Partial<CliSpec> = {}): CliSpec {
  return { adapter, command: [process.execPath, fakeCli], env: [], timeoutMinutes: 1, sandbox: 'none', ...extra }
}

function run(cwd: string, extra: Partial<Parameters<typeof runCli>[1]> = {}) {
  const events: CliEvent[] = []
  return {
    events,
    options: {
      cwd,
      prompt: 'Do the work.',
      env: process.env,
      signal: new AbortController().signal,
      timeoutMs: 60_000,
      onEvent: (e: CliEvent) => events.push(e),
      ...extra,
    },
  }
}

/** Live processes whose command line carries `token` (a zombie's is empty, so it does not count). */
async function processesWith(token: string): Promise<number[]> {
  const found: number[] = []
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')
    if (cmdline.split('\0').includes(token)) found.push(Number(entry))
  }
  return found
}

afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })))
})

describe('runCli with each adapter (a fake CLI speaking its event format)', () => {
  it.each([
    ['codex', { inputTokens: 1200, outputTokens: 300 }],
    ['claude-code', { inputTokens: 1500, outputTokens: 400, costUsd: 0.25 }],
    ['opencode', { inputTokens: 880, outputTokens: 120 }],
  ] as const)('%s: the report is the last message, usage is read, malformed lines stay in the transcript only', async (adapter, usage) => {
    const cwd = await workspace('nochange')
    const { events, options } = run(cwd)

    const result = await runCli(spec(adapter), options)

    expect(result).toMatchObject({ exitCode: 0, report: 'Nothing needed changing; the tests pass.', usage })
    expect(result.killed).toBeUndefined()
    expect(events.some((e) => e.kind === 'progress' && e.text.includes('npm test'))).toBe(true)
    expect(result.transcript).toMatch(/not JSON|broken|"type":"text"\n/)
  })

  it('command: the report file wins over stdout, exit 2 is kept for the caller to read as blocked', async () => {
    const cwd = await workspace('blocked')
    const { options } = run(cwd)

    const result = await runCli(spec('command'), options)

    expect(result).toMatchObject({ exitCode: 2, report: 'I need the staging database URL from @maya.', usage: undefined })
  })

  it('command without a report file: the report is the end of stdout', async () => {
    const cwd = await workspace('fail')
    const { options } = run(cwd)

    const result = await runCli(spec('command'), options)

    expect(result.exitCode).toBe(3)
    expect(result.report).toBe('working on it\nIt broke.')
  })
})

describe('runCli isolation', () => {
  const host = {
    PATH: process.env.PATH,
    LANG: 'en_US.UTF-8',
    PRIVATE_KEY: '-----BEGIN RSA PRIVATE KEY-----secret',
    WEBHOOK_SECRET: 'webhook-secret',
    GAFFER_ADMIN_TOKEN: 'admin-token-0123456789',
    DATABASE_URL: 'postgres://gaffer:pw@127.0.0.1/gaffer',
    OPENAI_API_KEY: 'sk-openai',
    ANTHROPIC_API_KEY: 'sk-anthropic',
    GITHUB_TOKEN: 'ghs_installation',
  }

  it.each([
    ['without a sandbox', 'none'],
    ['under bubblewrap', 'auto'],
  ] as const)('%s, the CLI sees PATH, LANG, HOME in the workspace and only the named variables, never a secret or token', async (_, sandbox) => {
    if (sandbox === 'auto' && !hasBwrap) return
    const cwd = await workspace('env')
    const { options } = run(cwd, { env: host })

    const result = await runCli(spec('command', { sandbox, env: ['ANTHROPIC_API_KEY', 'GITHUB_TOKEN'] }), options)

    const seen = JSON.parse(result.report) as { env: Record<string, string>; cwd: string; promptStart: string }
    expect(result.sandboxed).toBe(sandbox === 'auto')
    expect(seen.cwd).toBe(cwd)
    expect(seen.promptStart).toBe('Do the work.')
    expect(seen.env.HOME!.startsWith(`${cwd}/`)).toBe(true)
    expect(seen.env.ANTHROPIC_API_KEY).toBe('sk-anthropic')
    const names = Object.keys(seen.env).filter(
      (name) => !['PATH', 'HOME', 'LANG', 'GAFFER_PROMPT_FILE', 'GAFFER_REPORT_FILE', 'ANTHROPIC_API_KEY', 'PWD', 'SHLVL', '_'].includes(name),
    )
    expect(names).toEqual([])
    const values = JSON.stringify(seen.env)
    for (const secret of ['secret', 'webhook-secret', 'admin-token', 'postgres://', 'sk-openai', 'ghs_']) expect(values).not.toContain(secret)
  })

  it('under bubblewrap, files outside the workspace and the system folders do not exist for the CLI', async () => {
    if (!hasBwrap) return
    const cwd = await workspace('env')
    const outside = await mkdtemp(path.join(tmpdir(), 'gaffer-outside-'))
    dirs.push(outside)
    await writeFile(path.join(outside, 'secret.pem'), 'key')
    const { options } = run(cwd)

    const result = await runCli(
      spec('command', { sandbox: 'auto', command: [process.execPath, fakeCli, `--outside=${path.join(outside, 'secret.pem')}`] }),
      options,
    )

    expect(JSON.parse(result.report)).toMatchObject({ outsideVisible: false })
  })

  it.each([
    ['without a sandbox', 'none'],
    ['under bubblewrap', 'auto'],
  ] as const)('%s, a timeout kills the CLI and the process it started', async (_, sandbox) => {
    if (sandbox === 'auto' && !hasBwrap) return
    const token = `fake-grandchild-${sandbox}-${process.pid}`
    const cwd = await workspace('hang')
    const { events, options } = run(cwd, { timeoutMs: 1_500 })

    const result = await runCli(spec('command', { sandbox, command: [process.execPath, fakeCli, `--token=${token}`] }), options)

    expect(result.killed).toBe('timeout')
    expect(result.exitCode).toBeNull()
    expect(events.length).toBeGreaterThan(0)
    await expect.poll(() => processesWith(token), { timeout: 5_000 }).toEqual([])
  })

  it('an abort (stop, lost lease) kills the CLI and the process it started', async () => {
    const token = `fake-grandchild-abort-${process.pid}`
    const cwd = await workspace('hang')
    const controller = new AbortController()
    const { options } = run(cwd, {
      signal: controller.signal,
      onEvent: (event) => event.kind === 'progress' && event.text === 'started' && controller.abort(),
    })

    const result = await runCli(spec('command', { command: [process.execPath, fakeCli, `--token=${token}`] }), options)

    expect(result.killed).toBe('aborted')
    await expect.poll(() => processesWith(token), { timeout: 5_000 }).toEqual([])
  })
})
