import { generateKeyPairSync } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import { doctorExitCode, formatDoctorReport, type DoctorLine } from '../src/doctor/doctor-line.ts'
import { runDoctor } from '../src/doctor/run-doctor.ts'
import { freePort } from '../src/net/free-port.ts'
import { findProgram } from '../src/runtime/cli/run-cli.ts'
import { migrate } from '../src/store/migrate.ts'
import { runToEnd } from './helpers/run-process.ts'
import type { Step } from './helpers/scripted-model.ts'
import { useTestCompany, type UsedTestCompany } from './helpers/test-company.ts'

const cli = fileURLToPath(new URL('../src/cli/gaffer.ts', import.meta.url))
/** The real Codex CLI of the dev dependencies: a runtime whose program is there and answers `--version`. */
const codex = fileURLToPath(new URL('../node_modules/.bin/codex', import.meta.url))
const hasBwrap = findProgram('bwrap', process.env.PATH) !== undefined
/** The model's part of a working round trip: it calls the tool, then answers the tool's result. */
const toolRoundTrip: Step[] = [{ toolCalls: [{ name: 'report_word', arguments: { word: 'ready' } }] }, { content: 'ready' }]

/** The environment of a Gaffer set up as it should be, against the company's emulated GitHub and scripted model. */
function goodEnvironment(c: UsedTestCompany): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    APP_ID: String(c.github.app.appId),
    PRIVATE_KEY: c.github.app.privateKey,
    WEBHOOK_SECRET: c.github.app.webhookSecret,
    GITHUB_API_URL: c.github.url,
    DATABASE_URL: c.db.url,
    OPENAI_API_KEY: 'test-key',
    OPENAI_BASE_URL: c.model.url,
    GAFFER_MODEL: 'tool-model',
    GAFFER_RUNTIMES: JSON.stringify({ codex: { adapter: 'codex', command: [codex] } }),
    // Without bubblewrap on the host the correct setup is the one that says so on purpose.
    GAFFER_SANDBOX: hasBwrap ? 'auto' : 'none',
  }
}

const doctor = (env: NodeJS.ProcessEnv) => runDoctor({ env, modelTimeoutMs: 10_000 })
const failures = (lines: DoctorLine[]) => lines.filter((line) => line.verdict === 'FAIL')

describe('gaffer doctor against the emulated GitHub, a correct setup', () => {
  /** Set by a test: the repository GitHub answers 404 for, as for an installation that lost access to it. */
  let unreadable: string | undefined
  const c = useTestCompany({
    model: true,
    app: false,
    proxy: (request) =>
      request.method === 'GET' && request.path === `/repos/${unreadable}` ? { status: 404, body: { message: 'Not Found' } } : undefined,
  })
  beforeAll(async () => {
    await migrate(c.db.pool)
  })

  it('says OK to every check and exits 0', async () => {
    c.model.script(...toolRoundTrip)

    const run = await runToEnd(process.execPath, ['src/cli/gaffer.ts', 'doctor'], goodEnvironment(c))

    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    const report = run.stdout
    expect(report).toMatch(/^OK +environment +the configuration loads$/m)
    expect(report).toMatch(/^OK +webhook secret +WEBHOOK_SECRET is set$/m)
    expect(report).toMatch(/^OK +database +PostgreSQL \d+/m)
    expect(report).toMatch(/^OK +migrations +all \d+ applied$/m)
    expect(report).toMatch(/^OK +GitHub App +authenticates as gaffer \(App 1001\)$/m)
    expect(report).toMatch(/^OK +permissions +as app\.yml asks: issues write, pull_requests write, contents write, checks write, metadata read$/m)
    expect(report).toMatch(/^OK +events +subscribed to issues, issue_comment, pull_request, pull_request_review, check_run, push$/m)
    expect(report).toMatch(/^OK +installation demo-company +1 repository reachable: demo-company\/widgets$/m)
    expect(report).toMatch(new RegExp(`^OK +model +tool-model at ${c.model.url} called a tool and took its result$`, 'm'))
    expect(report).toMatch(/^OK +runtime codex +\S+codex, codex-cli \d+\.\d+\.\d+$/m)
    if (hasBwrap) expect(report).toMatch(/^OK +sandbox +bubblewrap \S+ at \S+bwrap confines CLI runs$/m)
    else expect(report).toMatch(/^WARN +sandbox +GAFFER_SANDBOX=none/m)
    expect(report).not.toMatch(/^FAIL/m)
    // The round trip went through the real client: a tool offered, then its result sent back.
    expect(c.model.requests.map((request) => request.tools.map((tool) => tool.function.name))).toEqual([['report_word'], ['report_word']])
    expect(c.model.requests[1]!.messages.at(-1)).toMatchObject({ role: 'tool', content: 'ready' })
  })

  it('names a model that answers without calling the tool, and exits 1', async () => {
    c.model.reset()
    c.model.script({ content: 'Sure: ready.' })

    const lines = await doctor(goodEnvironment(c))

    expect(failures(lines)).toEqual([
      {
        verdict: 'FAIL',
        check: 'model',
        text: `tool-model at ${c.model.url} answered without calling the tool it was given ("Sure: ready."): it does not support tool calls`,
        fix: expect.stringContaining('set GAFFER_MODEL'),
      },
    ])
    expect(doctorExitCode(lines)).toBe(1)
  })

  it('names a server that says the model does not take tools', async () => {
    c.model.script({ status: 400, error: 'registry.ollama.ai/library/gemma:2b does not support tools' })

    const lines = await doctor(goodEnvironment(c))

    expect(failures(lines).map((line) => line.text)).toEqual([
      'the server says tool-model does not take tools (400): registry.ollama.ai/library/gemma:2b does not support tools',
    ])
  })

  it('names a model server that refuses the key', async () => {
    c.model.script({ status: 401, error: 'Incorrect API key provided' })

    const lines = await doctor(goodEnvironment(c))

    expect(failures(lines)).toEqual([
      {
        verdict: 'FAIL',
        check: 'model',
        text: `the model server at ${c.model.url} refused OPENAI_API_KEY (401): Incorrect API key provided`,
        fix: `set OPENAI_API_KEY to a key that ${c.model.url} accepts`,
      },
    ])
  })

  it('names an unreachable model server', async () => {
    const nobody = `http://127.0.0.1:${await freePort()}/v1`

    const lines = await doctor({ ...goodEnvironment(c), OPENAI_BASE_URL: nobody })

    expect(failures(lines)).toEqual([
      {
        verdict: 'FAIL',
        check: 'model',
        text: expect.stringMatching(new RegExp(`^no model server answers at ${nobody}: .*ECONNREFUSED`)),
        fix: 'start the model server, or correct OPENAI_BASE_URL (most servers want it to end in /v1)',
      },
    ])
  })

  it('names a runtime whose program is missing', async () => {
    c.model.script(...toolRoundTrip)
    const runtimes = { codex: { adapter: 'codex', command: [codex] }, claude: { adapter: 'claude-code', command: ['/nowhere/claude'] } }

    const lines = await doctor({ ...goodEnvironment(c), GAFFER_RUNTIMES: JSON.stringify(runtimes) })

    expect(failures(lines)).toEqual([
      {
        verdict: 'FAIL',
        check: 'runtime claude',
        text: 'there is no /nowhere/claude: agents with `runtime: claude` cannot work',
        fix: 'install it (npm install -g @anthropic-ai/claude-code), or set its "command" in GAFFER_RUNTIMES to the program\'s full path',
      },
    ])
  })

  it('names a repository the installation cannot read', async () => {
    c.model.script(...toolRoundTrip)
    unreadable = c.github.repository

    const lines = await doctor({ ...goodEnvironment(c), GITHUB_API_URL: c.proxy.url }).finally(() => (unreadable = undefined))

    expect(failures(lines)).toEqual([
      {
        verdict: 'FAIL',
        check: 'installation demo-company',
        text: expect.stringMatching(/^cannot read demo-company\/widgets: 404 Not Found/),
        fix: `check which repositories it may access at ${c.github.url}/settings/installations/1`,
      },
    ])
    expect(c.proxy.requests.map((request) => `${request.method} ${request.path}`)).toContain('GET /repos/demo-company/widgets')
  })

  it('reads .env in the working directory as npm start does, the environment winning over it, and warns when others may read it', async () => {
    c.model.script(...toolRoundTrip)
    const dir = await mkdtemp(path.join(tmpdir(), 'gaffer-doctor-'))
    const { PATH, GAFFER_MODEL, ...inFile } = goodEnvironment(c)
    const text = Object.entries({ ...inFile, PRIVATE_KEY: inFile.PRIVATE_KEY!.replace(/\n/g, '\\n'), GAFFER_MODEL: 'model-from-the-file' })
      .map(([name, value]) => `${name}=${value}`)
      .join('\n')
    await writeFile(path.join(dir, '.env'), `${text}\n`, { mode: 0o644 })

    const run = await runToEnd(process.execPath, [cli, 'doctor'], { PATH, GAFFER_MODEL }, dir).finally(() =>
      rm(dir, { recursive: true, force: true }),
    )

    expect(run.code).toBe(0)
    const report = run.stdout.replace(/ {2,}/g, '  ')
    expect(report).toContain(`OK  environment  the configuration loads (with ${dir}/.env)\n`)
    expect(report).toContain(
      `WARN  environment  ${dir}/.env holds secrets and other users of this machine may read it (mode 644)\n  fix: chmod 600 ${dir}/.env\n`,
    )
    expect(report).toMatch(/^OK {2}GitHub App {2}authenticates as gaffer/m)
    expect(report).toMatch(/^OK {2}model {2}tool-model at /m)
  })

  it("names a private key that is not the App's, and an unreachable database", async () => {
    c.model.script(...toolRoundTrip)
    const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString()

    const lines = await doctor({
      ...goodEnvironment(c),
      PRIVATE_KEY: otherKey,
      DATABASE_URL: `postgres://gaffer:hunter2@127.0.0.1:${await freePort()}/gaffer`,
    })

    expect(failures(lines).map((line) => [line.check, line.text])).toEqual([
      ['database', expect.stringMatching(/^cannot use DATABASE_URL \(gaffer@127\.0\.0\.1:\d+\/gaffer\): .*ECONNREFUSED/)],
      ['GitHub App', expect.stringMatching(/^GitHub refused App 1001 \(401 from GET \/app\)/)],
    ])
    expect(formatDoctorReport(lines)).not.toContain('hunter2')
  })

  it("names each bad variable in env.ts's words and checks nothing else", async () => {
    const lines = await doctor({ ...goodEnvironment(c), APP_ID: 'gaffer', GAFFER_SANDBOX: 'maybe' })

    expect(lines.map((line) => [line.verdict, line.check, line.text])).toEqual([
      ['FAIL', 'environment', expect.stringMatching(/^APP_ID: expected the numeric App ID from the GitHub App settings page/)],
      ['FAIL', 'environment', expect.stringMatching(/^GAFFER_SANDBOX: must be auto \(bubblewrap when installed\) or none/)],
      ['WARN', 'doctor', 'the other checks need a configuration that loads'],
    ])
    expect(doctorExitCode(lines)).toBe(1)
  })
})

describe('gaffer doctor against the emulated GitHub, an App registered with the wrong permissions', () => {
  const c = useTestCompany({
    model: true,
    app: false,
    registration: {
      permissions: { issues: 'read', pull_requests: 'write', contents: 'write', metadata: 'read', administration: 'write' },
      events: ['issues', 'issue_comment', 'pull_request', 'pull_request_review'],
    },
  })
  beforeAll(async () => {
    await migrate(c.db.pool)
  })

  it('names each missing permission and event with the page that fixes them, warns of the extra one, and exits 1', async () => {
    c.model.script(...toolRoundTrip)

    const run = await runToEnd(process.execPath, ['src/cli/gaffer.ts', 'doctor'], goodEnvironment(c))

    expect(run.code).toBe(1)
    const settings = `${c.github.url}/settings/apps/gaffer/permissions`
    // Columns are padded to the longest check name; what matters is the words and their order.
    const report = run.stdout.replace(/ {2,}/g, '  ')
    expect(report).toContain(
      'FAIL  permissions  the App lacks issues: write (it has read), checks: write (it has none)\n' +
        `  fix: edit the App's permissions at ${settings}; then an owner of each installation accepts them`,
    )
    expect(report).toContain(
      'FAIL  events  the App is not subscribed to check_run, push\n' +
        `  fix: edit the App's permissions at ${settings} and tick them under "Subscribe to events"`,
    )
    expect(run.stdout).toMatch(/^WARN +permissions +the App has more than app\.yml asks for: administration: write$/m)
    expect(run.stdout).toMatch(/^2 problems to fix \(FAIL\), 1 warning \(WARN\)\.$/m)
  })
})
