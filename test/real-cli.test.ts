import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import type { CliEvent } from '../src/runtime/cli/cli-event.ts'
import { findProgram, runCli, type CliSpec } from '../src/runtime/cli/run-cli.ts'
import { startScriptedResponses, TOKENS_PER_ANSWER, type ScriptedResponses } from './helpers/scripted-responses.ts'

// The real Codex CLI from npm (a devDependency, so `npm ci` installs it), driven by our
// adapter against our own Responses server: nothing leaves the machine.
const root = fileURLToPath(new URL('..', import.meta.url))
const codex = [path.join(root, 'node_modules/.bin/codex'), path.join(root, '.cli/node_modules/.bin/codex')].find((file) => existsSync(file))
const hasBwrap = findProgram('bwrap', process.env.PATH) !== undefined

const dirs: string[] = []
const servers: ScriptedResponses[] = []

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()))
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })))
})

/**
 * In the repository's ignored `.gaffer/` like a real GAFFER_HOME, or under the temporary
 * folder, where Codex refuses to set up its own sandbox's helper (its HOME is inside the
 * workspace) and every command it runs fails.
 */
async function workspace(where: 'home' | 'tmp'): Promise<string> {
  const parent = where === 'tmp' ? tmpdir() : path.join(root, '.gaffer')
  await mkdir(parent, { recursive: true })
  const dir = await mkdtemp(path.join(parent, 'gaffer-real-cli-'))
  dirs.push(dir)
  await mkdir(path.join(dir, '.git'))
  return dir
}

/** The runtime an operator would define for Codex on a local model server: the provider is Codex config, passed as `-c`. */
function codexSpec(baseUrl: string, sandbox: 'auto' | 'none'): CliSpec {
  return {
    adapter: 'codex',
    command: [
      codex!,
      '-c',
      'model_provider="local"',
      '-c',
      `model_providers.local={name="local",base_url="${baseUrl}",env_key="LOCAL_MODEL_KEY",wire_api="responses"}`,
    ],
    model: 'scripted-model',
    env: ['LOCAL_MODEL_KEY'],
    timeoutMinutes: 2,
    sandbox,
  }
}

const secrets = {
  LOCAL_MODEL_KEY: 'sk-local-scripted',
  DATABASE_URL: 'postgres://gaffer:db-secret@127.0.0.1/gaffer',
  PRIVATE_KEY: 'app-private-key-secret',
  WEBHOOK_SECRET: 'webhook-secret-value',
  GAFFER_ADMIN_TOKEN: 'admin-token-secret',
  OPENAI_API_KEY: 'sk-openai-not-named',
  GITHUB_TOKEN: 'ghs_installation_token_secret',
}

describe.skipIf(!codex)('the real Codex CLI (@openai/codex) through the codex adapter, offline against our Responses server', () => {
  // Without bubblewrap on the host only Codex's own sandbox (it ships a bwrap) can run.
  const cases = [
    ['none', 'home'],
    ...(hasBwrap
      ? [
          ['auto', 'home'],
          ['auto', 'tmp'],
        ]
      : []),
  ] as Array<['none' | 'auto', 'home' | 'tmp']>
  it.each(cases)(
    'sandbox %s, workspace in %s: the file the model asked for is written, the event stream is parsed, and the CLI sees only the scrubbed environment',
    async (sandbox, where) => {
      const server = await startScriptedResponses([
        { command: "printf 'hello from codex\\n' > hello.txt && env > seen-env.txt" },
        { message: 'Wrote hello.txt with a greeting.' },
      ])
      servers.push(server)
      const cwd = await workspace(where)
      const events: CliEvent[] = []

      const result = await runCli(codexSpec(server.baseUrl, sandbox), {
        cwd,
        prompt: 'Write hello.txt with a greeting.',
        env: { ...process.env, ...secrets },
        signal: new AbortController().signal,
        timeoutMs: 120_000,
        onEvent: (event) => events.push(event),
      })

      expect(result.exitCode, result.transcript).toBe(0)
      expect(await readFile(path.join(cwd, 'hello.txt'), 'utf8')).toBe('hello from codex\n')
      // The adapter read the real event stream: the last agent message is the report, the
      // command shows as progress, and the turn's usage is the two answers' tokens.
      expect(result.report).toBe('Wrote hello.txt with a greeting.')
      expect(events.some((event) => event.kind === 'progress' && event.text.includes('hello.txt'))).toBe(true)
      expect(result.usage).toEqual({ inputTokens: 2 * TOKENS_PER_ANSWER.input, outputTokens: 2 * TOKENS_PER_ANSWER.output })
      // The model server saw the prompt, the named key and the command's result.
      expect(server.requests).toHaveLength(2)
      expect(server.requests[0]!.authorization).toBe(`Bearer ${secrets.LOCAL_MODEL_KEY}`)
      expect(JSON.stringify(server.requests[0]!.input)).toContain('Write hello.txt with a greeting.')
      expect(server.requests[1]!.input.some((item) => item.type === 'function_call_output' && item.call_id === 'call_1')).toBe(true)
      // What the command the CLI ran could see: HOME inside the workspace, no secret but the one the runtime names.
      const seen = await readFile(path.join(cwd, 'seen-env.txt'), 'utf8')
      expect(seen).toContain(`HOME=${path.join(cwd, '.git/gaffer/home')}`)
      for (const [name, value] of Object.entries(secrets)) {
        if (name === 'LOCAL_MODEL_KEY') continue
        expect(seen, name).not.toContain(value)
      }
      expect(result.sandboxed).toBe(sandbox === 'auto')
    },
    120_000,
  )
})

describe.runIf(!codex)('the real Codex CLI', () => {
  it.skip('is not installed: run `npm ci` (it is a devDependency, @openai/codex) to prove the codex adapter against the real program', () => {})
})
