import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../src/config/env.ts'

const pem = '-----BEGIN RSA PRIVATE KEY-----\nMIIEfakefakefake\nbW9yZWZha2U=\n-----END RSA PRIVATE KEY-----\n'
const app = { APP_ID: '123456', WEBHOOK_SECRET: 'webhook-secret-value', DATABASE_URL: 'postgres://gaffer@db.internal:5432/gaffer' }

const tempDir = mkdtempSync(path.join(tmpdir(), 'gaffer-config-test-'))
afterAll(() => rmSync(tempDir, { recursive: true, force: true }))

/** The ConfigError `loadConfig` throws for this environment; fails the test when it does not throw one. */
function configErrorFor(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env)
  } catch (error) {
    if (error instanceof ConfigError) return error
    throw error
  }
  throw new Error(`expected loadConfig to throw a ConfigError for ${JSON.stringify(Object.keys(env))}`)
}

describe('loadConfig', () => {
  it('runs the sandbox with documented defaults when nothing is set', () => {
    const config = loadConfig({})

    expect(config.githubApp).toBeUndefined()
    expect(config.port).toBe(3000)
    expect(config.githubApiUrl).toBe('https://api.github.com')
    expect(config.openai.model).toBe('gpt-4.1-mini')
    expect(config.home.endsWith(`${path.sep}.gaffer`)).toBe(true)
    expect(config.owners).toEqual([])
    expect(config.logLevel).toBe('info')
  })

  it('treats blank values as unset', () => {
    const config = loadConfig({ PORT: '  ', APP_ID: '', PRIVATE_KEY: ' ', WEBHOOK_SECRET: '' })

    expect(config.githubApp).toBeUndefined()
    expect(config.port).toBe(3000)
  })

  it('configures the GitHub App when all three credentials are set', () => {
    const config = loadConfig({ ...app, PRIVATE_KEY: pem })

    expect(config.githubApp).toEqual({ appId: 123456, privateKey: pem.trim(), webhookSecret: 'webhook-secret-value' })
  })

  it('unescapes literal \\n sequences in PRIVATE_KEY into real newlines', () => {
    const escaped = pem.trim().replace(/\n/g, '\\n')

    const config = loadConfig({ ...app, PRIVATE_KEY: escaped })

    expect(escaped).not.toContain('\n')
    expect(config.githubApp?.privateKey).toBe(pem.trim())
  })

  it('reads the key from PRIVATE_KEY_PATH', () => {
    const keyFile = path.join(tempDir, 'app.pem')
    writeFileSync(keyFile, pem)

    const config = loadConfig({ ...app, PRIVATE_KEY_PATH: keyFile })

    expect(config.githubApp?.privateKey).toBe(pem)
  })

  it('names PRIVATE_KEY_PATH and the fix when the file does not exist', () => {
    const missing = path.join(tempDir, 'no-such-key.pem')

    const error = configErrorFor({ ...app, PRIVATE_KEY_PATH: missing })

    expect(error.problems).toContainEqual(expect.stringMatching(/^PRIVATE_KEY_PATH: no file at .*no-such-key\.pem; point it at the \.pem/))
  })

  it('names PRIVATE_KEY_PATH when the file is not a PEM key', () => {
    const notAKey = path.join(tempDir, 'notes.txt')
    writeFileSync(notAKey, 'hello')

    const error = configErrorFor({ ...app, PRIVATE_KEY_PATH: notAKey })

    expect(error.problems).toContainEqual(expect.stringMatching(/^PRIVATE_KEY_PATH: not a PEM private key/))
  })

  it('names PRIVATE_KEY_PATH when it points at a folder', () => {
    const error = configErrorFor({ ...app, PRIVATE_KEY_PATH: tempDir })

    expect(error.problems).toContainEqual(expect.stringMatching(/^PRIVATE_KEY_PATH: /))
  })

  it('refuses PRIVATE_KEY and PRIVATE_KEY_PATH together', () => {
    const keyFile = path.join(tempDir, 'both.pem')
    writeFileSync(keyFile, pem)

    const error = configErrorFor({ ...app, PRIVATE_KEY: pem, PRIVATE_KEY_PATH: keyFile })

    expect(error.problems).toContainEqual(expect.stringMatching(/^PRIVATE_KEY_PATH: set either PRIVATE_KEY or PRIVATE_KEY_PATH, not both/))
  })

  it.each([
    { variable: 'PORT', value: 'abc', fix: 'PORT=3000' },
    { variable: 'PORT', value: '70000', fix: 'from 0 to 65535' },
    { variable: 'APP_ID', value: 'abc', fix: 'APP_ID=123456' },
    { variable: 'GITHUB_API_URL', value: 'not a url', fix: 'https://api.github.com' },
    { variable: 'DATABASE_URL', value: 'mysql://x', fix: 'postgres://' },
    { variable: 'OPENAI_BASE_URL', value: 'nope', fix: 'http://127.0.0.1:8080/v1' },
    { variable: 'GAFFER_ADMIN_TOKEN', value: 'short', fix: 'openssl rand -hex 24' },
    { variable: 'GAFFER_OWNERS', value: 'al ice', fix: 'GAFFER_OWNERS=alice,bob' },
    { variable: 'PRIVATE_KEY', value: 'not-a-pem', fix: 'use the .pem file GitHub generated', with: app },
    { variable: 'GAFFER_AGENTS_DIR', value: '/nonexistent/agents', fix: 'gaffer validate <dir>' },
  ])('rejects $variable="$value" with a line naming the variable and the fix', ({ variable, value, fix, with: others }) => {
    const env = { ...others, [variable]: value }

    const error = configErrorFor(env)

    const line = error.problems.find((problem) => problem.startsWith(`${variable}: `))
    expect(line, error.message).toBeDefined()
    expect(line).toContain(fix)
  })

  it('names the missing credentials and how to get back to the sandbox when only APP_ID is set', () => {
    const error = configErrorFor({ APP_ID: '123456' })

    expect(error.problems).toEqual([expect.stringMatching(/^PRIVATE_KEY or PRIVATE_KEY_PATH, WEBHOOK_SECRET: missing;/)])
    expect(error.problems[0]).toContain('unset all three to run the sandbox')
  })

  it('refuses the GitHub App without DATABASE_URL, naming it and both fixes', () => {
    const { DATABASE_URL: _, ...withoutDatabase } = app

    const error = configErrorFor({ ...withoutDatabase, PRIVATE_KEY: pem })

    expect(error.problems).toEqual([expect.stringMatching(/^DATABASE_URL: missing; /)])
    expect(error.problems[0]).toContain('GAFFER_EMBEDDED_DB=1')
  })

  it.each([
    { case: 'the sandbox', env: {}, databaseUrl: undefined },
    {
      case: 'the app with GAFFER_EMBEDDED_DB=1',
      env: { APP_ID: '123456', WEBHOOK_SECRET: 'w', PRIVATE_KEY: pem, GAFFER_EMBEDDED_DB: '1' },
      databaseUrl: undefined,
    },
    { case: 'the app with DATABASE_URL', env: { ...app, PRIVATE_KEY: pem }, databaseUrl: app.DATABASE_URL },
  ])('$case starts with databaseUrl $databaseUrl', ({ env, databaseUrl }) => {
    expect(loadConfig(env).databaseUrl).toBe(databaseUrl)
  })

  it('refuses GAFFER_EMBEDDED_DB values other than 0 and 1', () => {
    const error = configErrorFor({ GAFFER_EMBEDDED_DB: 'yes' })

    expect(error.problems).toEqual([expect.stringMatching(/^GAFFER_EMBEDDED_DB: must be 1/)])
  })

  it('lists one problem line per bad variable', () => {
    const error = configErrorFor({ PORT: 'abc', OPENAI_BASE_URL: 'nope', DATABASE_URL: 'mysql://x' })

    expect(error.problems.map((line) => line.split(':')[0]).sort()).toEqual(['DATABASE_URL', 'OPENAI_BASE_URL', 'PORT'])
    expect(error.message.split('\n')).toHaveLength(3)
  })

  it('lists a format problem and a credentials problem together', () => {
    const error = configErrorFor({ PORT: 'abc', APP_ID: '123456' })

    expect(error.problems).toEqual([
      expect.stringMatching(/^PORT: /),
      expect.stringMatching(/^PRIVATE_KEY or PRIVATE_KEY_PATH, WEBHOOK_SECRET: missing/),
    ])
  })

  it.each([
    { variable: 'GAFFER_ADMIN_TOKEN', env: { GAFFER_ADMIN_TOKEN: 'short' }, secret: 'short' },
    { variable: 'PRIVATE_KEY', env: { ...app, PRIVATE_KEY: 'hunter2-private' }, secret: 'hunter2-private' },
  ])('never echoes the value of the secret $variable', ({ variable, env, secret }) => {
    const error = configErrorFor(env)

    expect(error.problems.some((line) => line.startsWith(`${variable}: `))).toBe(true)
    expect(error.message).not.toContain(secret)
  })

  it('never echoes the password inside a rejected DATABASE_URL', () => {
    const error = configErrorFor({ DATABASE_URL: 'mysql://gaffer:hunter2@db.internal/gaffer' })

    expect(error.problems[0]).toMatch(/^DATABASE_URL: /)
    expect(error.message).not.toContain('hunter2')
  })

  it('parses GAFFER_OWNERS, dropping @ and spaces', () => {
    const config = loadConfig({ GAFFER_OWNERS: '@alice, bob' })

    expect(config.owners).toEqual(['alice', 'bob'])
  })

  it('reads PORT, GAFFER_MODEL and GITHUB_API_URL, trimming a trailing slash', () => {
    const config = loadConfig({ PORT: '8080', GAFFER_MODEL: 'local-model', GITHUB_API_URL: 'https://ghe.example.com/api/v3/' })

    expect(config.port).toBe(8080)
    expect(config.openai.model).toBe('local-model')
    expect(config.githubApiUrl).toBe('https://ghe.example.com/api/v3')
  })
})

describe('loadConfig: GAFFER_OUTSIDER_PULLS', () => {
  it.each([
    [undefined, 'hold'],
    ['hold', 'hold'],
    [' route ', 'route'],
  ])('%j gives %j', (value, expected) => {
    expect(loadConfig(value === undefined ? {} : { GAFFER_OUTSIDER_PULLS: value }).outsiderPulls).toBe(expected)
  })

  it('rejects anything else and names the allowed values', () => {
    expect(() => loadConfig({ GAFFER_OUTSIDER_PULLS: 'open' })).toThrow('GAFFER_OUTSIDER_PULLS: must be hold or route (got "open")')
  })
})

describe('loadConfig: GAFFER_PROCESS', () => {
  it.each([
    [{}, 'all'],
    [{ ...app, PRIVATE_KEY: pem, GAFFER_PROCESS: 'worker' }, 'worker'],
    [{ ...app, PRIVATE_KEY: pem, GAFFER_PROCESS: 'web' }, 'web'],
  ])('%j runs as %j', (env, expected) => {
    expect(loadConfig(env).processRole).toBe(expected)
  })

  it.each([
    ['an unknown role', { GAFFER_PROCESS: 'both' }, 'GAFFER_PROCESS: must be web (webhooks and the admin API), worker'],
    ['a worker without the GitHub App', { GAFFER_PROCESS: 'worker' }, 'GAFFER_PROCESS: worker runs beside other Gaffer processes'],
    [
      'a web process on an embedded database',
      { ...app, DATABASE_URL: undefined, GAFFER_EMBEDDED_DB: '1', PRIVATE_KEY: pem, GAFFER_PROCESS: 'web' },
      'needs the GitHub App (APP_ID, PRIVATE_KEY, WEBHOOK_SECRET) and DATABASE_URL',
    ],
  ])('refuses %s', (_, env, phrase) => {
    expect(() => loadConfig(env)).toThrow(phrase)
  })

  describe('how many items one process works at once', () => {
    it('defaults to four per CPU, or one per CPU once CLI runtimes are defined, and 8 on one model', () => {
      expect(loadConfig({}).parallel).toEqual({ maxParallel: 4 * availableParallelism(), modelMaxParallel: 8 })
      const withCli = loadConfig({ GAFFER_RUNTIMES: '{"codex":{"adapter":"codex"}}' })
      expect(withCli.parallel).toEqual({ maxParallel: availableParallelism(), modelMaxParallel: 8 })
    })

    it('reads GAFFER_MAX_PARALLEL and GAFFER_MODEL_MAX_PARALLEL', () => {
      expect(loadConfig({ GAFFER_MAX_PARALLEL: '6', GAFFER_MODEL_MAX_PARALLEL: '2' }).parallel).toEqual({ maxParallel: 6, modelMaxParallel: 2 })
    })

    it.each(['0', '-1', '2.5', 'many'])('refuses GAFFER_MAX_PARALLEL=%s, saying what it takes', (value) => {
      expect(configErrorFor({ GAFFER_MAX_PARALLEL: value }).problems).toEqual([
        `GAFFER_MAX_PARALLEL: expected a whole number of at least 1, e.g. GAFFER_MAX_PARALLEL=4 (items this process works at once, across all agents) (got "${value}")`,
      ])
    })
  })
})

describe('loadConfig: how workspaces are checked out (GAFFER_GIT_TRANSPORT, GAFFER_GIT_URL, GAFFER_WORKSPACE_MIN_FREE_MB)', () => {
  it('defaults to auto, the git URL derived from the API URL, and 1 GiB of free disk', () => {
    expect(loadConfig({}).cli.checkout).toEqual({ gitTransport: 'auto', minFreeBytes: 1024 ** 3 })
  })

  it.each([
    ['https://git.example.com/', 'https://git.example.com'],
    ['https://github.example.com/git', 'https://github.example.com/git'],
    ['http://127.0.0.1:8080', 'http://127.0.0.1:8080'],
    ['http://localhost:3001/', 'http://localhost:3001'],
  ])('GAFFER_GIT_URL=%s is where git lives: %s', (value, expected) => {
    expect(loadConfig({ GAFFER_GIT_URL: value, GAFFER_WORKSPACE_MIN_FREE_MB: '0' }).cli.checkout).toEqual({
      gitTransport: 'auto',
      gitBaseUrl: expected,
      minFreeBytes: 0,
    })
  })

  it.each([
    [
      'plain http to another machine',
      { GAFFER_GIT_URL: 'http://git.example.com' },
      'GAFFER_GIT_URL: must be an https:// URL (git sends the installation token there',
    ],
    ['a URL with a password', { GAFFER_GIT_URL: 'https://bot:hunter2@git.example.com' }, 'GAFFER_GIT_URL: must not hold a user or password'],
    ['not a URL', { GAFFER_GIT_URL: 'git.example.com' }, 'GAFFER_GIT_URL: expected an absolute URL'],
    [
      'a URL that the api transport never uses',
      { GAFFER_GIT_URL: 'https://git.example.com', GAFFER_GIT_TRANSPORT: 'api' },
      'GAFFER_GIT_URL: set, but GAFFER_GIT_TRANSPORT=api',
    ],
    ['an unknown transport', { GAFFER_GIT_TRANSPORT: 'ssh' }, 'GAFFER_GIT_TRANSPORT: must be auto'],
    ['megabytes that are not a number', { GAFFER_WORKSPACE_MIN_FREE_MB: '1G' }, 'GAFFER_WORKSPACE_MIN_FREE_MB: expected a whole number'],
  ])('refuses %s, naming the variable', (_, env, phrase) => {
    expect(() => loadConfig(env)).toThrow(phrase)
  })

  it('never echoes the password of a refused GAFFER_GIT_URL', () => {
    expect(() => loadConfig({ GAFFER_GIT_URL: 'https://bot:hunter2@git.example.com' })).toThrow(/\[redacted\]/)
    expect(() => loadConfig({ GAFFER_GIT_URL: 'https://bot:hunter2@git.example.com' })).not.toThrow(/hunter2/)
  })
})
