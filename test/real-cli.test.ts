import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises'
import { homedir, tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { CliEvent } from '../src/runtime/cli/cli-event.ts'
import { findProgram, runCli, type CliSpec } from '../src/runtime/cli/run-cli.ts'
import { listCliTranscripts } from '../src/store/cli-transcripts.ts'
import { getWorkItem } from '../src/store/work-items.ts'
import { startScriptedResponses, TOKENS_PER_ANSWER, type ScriptedResponses } from './helpers/scripted-responses.ts'
import { createTestCompany, fileOnGitHub, poll, type TestCompany, settleWebhooks } from './helpers/test-company.ts'
import { orgWithRuntime } from './helpers/org-with-runtime.ts'
import { hostSecrets, leakedSecrets } from './helpers/host-secrets.ts'

// The real Codex CLI from npm (a devDependency, so `npm ci` installs it), driven by our
// adapter against our own Responses server: nothing leaves the machine. `.cli/` (ignored
// by git) is for trying another version: `npm install --prefix .cli @openai/codex@<v>`.
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
 * Under the user's home like a real GAFFER_HOME (`~/.gaffer`; not the repository, which a
 * CI may clone under the temporary folder), or under the temporary folder, where Codex refuses to set up its own sandbox's helper (its HOME is inside the
 * workspace) and every command it runs fails.
 */
async function workspace(where: 'home' | 'tmp'): Promise<string> {
  const parent = where === 'tmp' ? tmpdir() : path.join(homedir(), '.cache', 'gaffer-test-workspaces')
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

/** The host's secrets, and the model key the runtime names (the only one the CLI may see). */
const secrets = { ...hostSecrets, LOCAL_MODEL_KEY: 'sk-local-scripted' }

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
      expect(leakedSecrets(seen)).toEqual([])
      expect(result.sandboxed).toBe(sandbox === 'auto')
    },
    120_000,
  )
})

describe.runIf(!codex)('the real Codex CLI', () => {
  // CI sets GAFFER_REQUIRE_REAL_CLI: there a missing CLI is a failure, not a skip.
  it.skipIf(!process.env.GAFFER_REQUIRE_REAL_CLI)(
    'is not installed: run `npm ci` (it is a devDependency, @openai/codex) to prove the codex adapter against the real program',
    () => {
      expect.fail('node_modules/.bin/codex is missing: `npm ci` installs @openai/codex (a devDependency) and its platform package')
    },
  )
})

describe.skipIf(!codex)('an agent on the real Codex CLI, the whole path (emulated GitHub, real Postgres, our Responses server)', () => {
  let c: TestCompany
  let agentsDir: string
  let home: string
  let server: ScriptedResponses

  beforeAll(async () => {
    server = await startScriptedResponses([
      { command: "mkdir -p docs && printf '# Hello\\n' > docs/hello.md && env" },
      { message: 'Added docs/hello.md.' },
    ])
    await mkdir(path.join(homedir(), '.cache', 'gaffer-test-workspaces'), { recursive: true })
    home = await mkdtemp(path.join(homedir(), '.cache', 'gaffer-test-workspaces', 'gaffer-real-cli-home-'))
    agentsDir = await orgWithRuntime(home, 'backend-engineer', 'codex-local')
    c = await createTestCompany()
    await c.startApp({
      agentsDir,
      owners: ['maya'],
      cli: { runtimes: { 'codex-local': codexSpec(server.baseUrl, 'auto') }, sandbox: 'auto', usdPerMinute: 0, home },
    })
    Object.assign(process.env, secrets)
  }, 120_000)
  afterAll(async () => {
    for (const name of Object.keys(secrets)) delete process.env[name]
    await c?.stop()
    await server?.close()
    if (home) await rm(home, { recursive: true, force: true })
  })

  it('the change Codex made becomes a draft pull request on gaffer/backend-engineer/<n>, the item goes to review, its tokens are kept', async () => {
    const number = (await c.maya.issues.create({ owner: c.owner, repo: c.repo, title: 'Add a hello page', labels: ['agent:backend-engineer'] })).data
      .number
    await expect.poll(async () => (await getWorkItem(c.db.pool, c.github.repository, number))?.status, poll).toBe('todo')
    await settleWebhooks(c)

    await c.gaffer!.heartbeats.runNow(c.github.repository, 'backend-engineer')

    const [transcript] = await listCliTranscripts(c.db.pool, c.github.repository, number)
    expect(transcript, transcript?.transcript).toMatchObject({
      outcome: 'published',
      exitCode: 0,
      inputTokens: 2 * TOKENS_PER_ANSWER.input,
      outputTokens: 2 * TOKENS_PER_ANSWER.output,
    })
    expect((await getWorkItem(c.db.pool, c.github.repository, number))?.status).toBe('review')
    const branch = `gaffer/backend-engineer/${number}`
    const { data: pulls } = await c.maya.pulls.list({ owner: c.owner, repo: c.repo, head: `${c.owner}:${branch}`, state: 'open' })
    const pull = pulls.find((p) => p.head.ref === branch)
    expect(pull?.body).toContain('Added docs/hello.md.')
    expect(await fileOnGitHub(c, branch, 'docs/hello.md')).toBe('# Hello\n')
    // The model got the prompt Gaffer built, and `env` as Codex's shell saw it: no secret but the named key.
    expect(JSON.stringify(server.requests[0]!.input)).toContain('Add a hello page')
    const seen = JSON.stringify(server.requests[1]!.input.find((item) => item.type === 'function_call_output'))
    expect(seen).toContain('HOME=')
    expect(leakedSecrets(seen)).toEqual([])
  }, 180_000)
})
