import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { CliEvent } from '../src/runtime/cli/cli-event.ts'
import { findProgram, runCli, type CliSpec } from '../src/runtime/cli/run-cli.ts'
import { listCliTranscripts } from '../src/store/cli-transcripts.ts'
import { getWorkItem } from '../src/store/work-items.ts'
import { MESSAGES_TOKENS_PER_ANSWER, startScriptedMessages, type ScriptedMessages } from './helpers/scripted-messages.ts'
import { createTestCompany, fileOnGitHub, poll, type TestCompany, settleWebhooks } from './helpers/test-company.ts'
import { orgWithRuntime } from './helpers/org-with-runtime.ts'
import { hostSecrets, leakedSecrets } from './helpers/host-secrets.ts'

// The real Claude Code from npm (a devDependency whose install script copies its
// platform binary from an optional dependency), driven by our adapter against our own
// Messages API server: nothing leaves the machine.
const root = fileURLToPath(new URL('..', import.meta.url))
const claude = [path.join(root, 'node_modules/.bin/claude'), path.join(root, '.cli/node_modules/.bin/claude')].find((file) => existsSync(file))
const hasBwrap = findProgram('bwrap', process.env.PATH) !== undefined

const dirs: string[] = []
const servers: ScriptedMessages[] = []

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()))
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })))
})

/** The runtime an operator would define for Claude Code on a model server of their own: its base URL and key by name. */
const claudeSpec = (sandbox: 'auto' | 'none'): CliSpec => ({
  adapter: 'claude-code',
  command: [claude!],
  model: 'sonnet',
  env: ['ANTHROPIC_BASE_URL', 'ANTHROPIC_API_KEY', 'CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC'],
  timeoutMinutes: 2,
  sandbox,
})

/** The host's secrets, and the model key the runtime names (the only one the CLI may see). */
const secrets = { ...hostSecrets, ANTHROPIC_API_KEY: 'sk-ant-local-scripted' }

/** What Claude Code said its run cost, read from its own `result` line. */
function reportedCost(transcript: string): number | undefined {
  const line = transcript.split('\n').find((text) => text.startsWith('{') && text.includes('"type":"result"'))
  return line === undefined ? undefined : (JSON.parse(line) as { total_cost_usd?: number }).total_cost_usd
}

describe.skipIf(!claude)(
  'the real Claude Code (@anthropic-ai/claude-code) through the claude-code adapter, offline against our Messages server',
  () => {
    const cases = (hasBwrap ? ['none', 'auto'] : ['none']) as Array<'none' | 'auto'>
    it.each(cases)(
      'sandbox %s: the shell command the model asked for runs, the event stream is parsed, and the CLI sees only the scrubbed environment',
      async (sandbox) => {
        const server = await startScriptedMessages([
          { command: "printf 'hello from claude\\n' > hello.txt && env > seen-env.txt" },
          { message: 'Wrote hello.txt with a greeting.' },
        ])
        servers.push(server)
        const cwd = await mkdtemp(path.join(tmpdir(), 'gaffer-real-claude-'))
        dirs.push(cwd)
        await mkdir(path.join(cwd, '.git'))
        const events: CliEvent[] = []

        const result = await runCli(claudeSpec(sandbox), {
          cwd,
          prompt: 'Write hello.txt with a greeting.',
          env: { ...process.env, ...secrets, ANTHROPIC_BASE_URL: server.baseUrl, CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1' },
          signal: new AbortController().signal,
          timeoutMs: 120_000,
          onEvent: (event) => events.push(event),
        })

        expect(result.exitCode, result.transcript).toBe(0)
        // Allowed to run its shell in print mode: a coding agent must be able to run the tests.
        expect(await readFile(path.join(cwd, 'hello.txt'), 'utf8')).toBe('hello from claude\n')
        // The adapter read the real stream: the final result is the report, the command is a
        // step, and the usage is the whole run's (two answers) with the cost Claude Code computed.
        expect(result.report).toBe('Wrote hello.txt with a greeting.')
        expect(events.some((event) => event.kind === 'progress' && event.text.startsWith('Bash') && event.text.includes('hello.txt'))).toBe(true)
        expect(events.filter((event) => event.kind === 'error')).toEqual([])
        const cost = reportedCost(result.transcript)
        expect(cost).toBeGreaterThan(0)
        expect(result.usage).toEqual({
          inputTokens: 2 * MESSAGES_TOKENS_PER_ANSWER.input,
          outputTokens: 2 * MESSAGES_TOKENS_PER_ANSWER.output,
          costUsd: cost,
        })
        // The model server saw the prompt, the named key, and the command's result.
        expect(server.requests).toHaveLength(2)
        expect(server.requests[0]!.apiKey).toBe(secrets.ANTHROPIC_API_KEY)
        expect(server.requests[0]!.tools).toContain('Bash')
        expect(JSON.stringify(server.requests[0]!.messages)).toContain('Write hello.txt with a greeting.')
        expect(JSON.stringify(server.requests[1]!.messages)).toContain('"tool_use_id":"toolu_1"')
        // What the command could see: HOME inside the workspace, no secret but the one the runtime names.
        const seen = await readFile(path.join(cwd, 'seen-env.txt'), 'utf8')
        expect(seen).toContain(`HOME=${path.join(cwd, '.git/gaffer/home')}`)
        expect(leakedSecrets(seen)).toEqual([])
        expect(result.sandboxed).toBe(sandbox === 'auto')
      },
      120_000,
    )
  },
)

describe.runIf(!claude)('the real Claude Code', () => {
  // CI sets GAFFER_REQUIRE_REAL_CLI: there a missing CLI is a failure, not a skip.
  it.skipIf(!process.env.GAFFER_REQUIRE_REAL_CLI)(
    'is not installed: run `npm ci` (it is a devDependency, @anthropic-ai/claude-code, whose install script npm must be allowed to run) to prove the claude-code adapter against the real program',
    () => {
      expect.fail(
        'node_modules/.bin/claude is missing: `npm ci` installs @anthropic-ai/claude-code (a devDependency allowed to run its install script)',
      )
    },
  )
})

describe.skipIf(!claude)('an agent on the real Claude Code, the whole path (emulated GitHub, real Postgres, our Messages server)', () => {
  let c: TestCompany
  let home: string
  let server: ScriptedMessages
  const env = () => ({ ...secrets, ANTHROPIC_BASE_URL: server.baseUrl, CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1' })

  beforeAll(async () => {
    server = await startScriptedMessages([
      { command: "mkdir -p docs && printf '# Hello\\n' > docs/hello.md && env" },
      { message: 'Added docs/hello.md.' },
    ])
    home = await mkdtemp(path.join(tmpdir(), 'gaffer-real-claude-home-'))
    const agentsDir = await orgWithRuntime(home, 'backend-engineer', 'claude-local')
    c = await createTestCompany()
    await c.startApp({
      agentsDir,
      owners: ['maya'],
      cli: { runtimes: { 'claude-local': claudeSpec('auto') }, sandbox: 'auto', usdPerMinute: 0, home },
    })
    Object.assign(process.env, env())
  }, 120_000)
  afterAll(async () => {
    for (const name of Object.keys(env())) delete process.env[name]
    await c?.stop()
    await server?.close()
    if (home) await rm(home, { recursive: true, force: true })
  })

  it('the change Claude Code made becomes a draft pull request on gaffer/backend-engineer/<n>, the item goes to review, its tokens and cost are kept', async () => {
    const number = (await c.maya.issues.create({ owner: c.owner, repo: c.repo, title: 'Add a hello page', labels: ['agent:backend-engineer'] })).data
      .number
    await expect.poll(async () => (await getWorkItem(c.db.pool, c.github.repository, number))?.status, poll).toBe('todo')
    await settleWebhooks(c)

    await c.gaffer!.heartbeats.runNow(c.github.repository, 'backend-engineer')

    const [transcript] = await listCliTranscripts(c.db.pool, c.github.repository, number)
    expect(transcript, transcript?.transcript).toMatchObject({
      outcome: 'published',
      exitCode: 0,
      inputTokens: 2 * MESSAGES_TOKENS_PER_ANSWER.input,
      outputTokens: 2 * MESSAGES_TOKENS_PER_ANSWER.output,
    })
    expect(transcript!.costUsd).toBeCloseTo(reportedCost(transcript!.transcript)!)
    expect((await getWorkItem(c.db.pool, c.github.repository, number))?.status).toBe('review')
    const branch = `gaffer/backend-engineer/${number}`
    const { data: pulls } = await c.maya.pulls.list({ owner: c.owner, repo: c.repo, head: `${c.owner}:${branch}`, state: 'open' })
    expect(pulls.find((p) => p.head.ref === branch)?.body).toContain('Added docs/hello.md.')
    expect(await fileOnGitHub(c, branch, 'docs/hello.md')).toBe('# Hello\n')
    // The model got the prompt Gaffer built, and `env` as Claude Code's shell saw it: no secret but the named key.
    expect(JSON.stringify(server.requests[0]!.messages)).toContain('Add a hello page')
    const seen = JSON.stringify(server.requests[1]!.messages)
    expect(seen).toContain('HOME=')
    expect(leakedSecrets(seen)).toEqual([])
  }, 180_000)
})
