import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { useMigratedDatabase } from './helpers/database.ts'
import { runToEnd } from './helpers/run-process.ts'

const gaffer = (...args: string[]) => runToEnd(process.execPath, ['src/cli/gaffer.ts', ...args])

describe('gaffer validate', () => {
  const dirs: string[] = []
  afterAll(async () => {
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })))
  })

  it('prints the org chart of the shipped agents and exits 0', async () => {
    const result = await gaffer('validate')

    expect(result.code).toBe(0)
    expect(result.stdout).toContain('7 agents')
    expect(result.stdout).toMatch(/^ceo \(ceo: CEO\)/m)
    expect(result.stdout).toMatch(/^ {4}backend-engineer \(specialist: Backend Engineer\)/m)
  })

  it('prints every problem with file and field and exits 1', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'gaffer-agents-'))
    dirs.push(dir)
    const write = async (slug: string, text: string) => {
      await mkdir(path.join(dir, slug))
      await writeFile(path.join(dir, slug, 'AGENTS.md'), text)
    }
    await write('boss', '---\nname: Boss\nrole: ceo\nheartbeat: "0 * * * *"\n---\nLead.\n')
    await write('worker', '---\nname: Worker\nrole: specialist\nreportsTo: boss\nheartbeat: "soon"\ncolour: red\n---\nWork.\n')

    const result = await gaffer('validate', dir)

    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/worker\/AGENTS\.md: heartbeat: must be a valid 5-field cron/)
    expect(result.stderr).toMatch(/worker\/AGENTS\.md: colour: unknown key/)
    expect(result.stderr).toContain('2 problems')
  })

  it("checks a repository's .github/gaffer.yml: each problem with file, field and fix, exit 1", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'gaffer-settings-'))
    dirs.push(dir)
    const file = path.join(dir, 'gaffer.yml')
    await writeFile(file, 'qualityThreshold: 120\nrequiredApprovals: two\nowner: [maya]\nnotifications: { slack: https://hooks.slack.com/x }\n')

    const result = await gaffer('validate', file)

    expect(result.code).toBe(1)
    expect(result.stderr).toContain('4 problems')
    expect(result.stderr).toContain(`${file}: qualityThreshold: must be a whole number from 0 to 100`)
    expect(result.stderr).toContain(`${file}: requiredApprovals: must be a whole number from 0 to 10`)
    expect(result.stderr).toContain(`${file}: owner: is not a setting; remove it (the settings are owners, approvers,`)
    expect(result.stderr).toContain(`${file}: notifications.slack: is not a field of notifications; remove it`)
  })

  it('accepts a valid settings file, says what it sets and what it extends, exit 0', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'gaffer-settings-'))
    dirs.push(dir)
    const file = path.join(dir, 'gaffer.yml')
    await writeFile(file, '_extends: .github\nowners: [maya]\nnotifications:\n  events: [needs-human]\n')

    const result = await gaffer('validate', file)

    expect(result.code).toBe(0)
    expect(result.stdout).toContain(`${file} is valid; it sets owners, notifications`)
    expect(result.stdout).toContain('it extends .github')
  })

  it('warns of a channel GAFFER_NOTIFY does not define, and still accepts the file', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'gaffer-settings-'))
    dirs.push(dir)
    const file = path.join(dir, 'gaffer.yml')
    await writeFile(file, 'notifications:\n  channels: [ops, team-chat]\n')
    const notify = JSON.stringify({ ops: { kind: 'webhook', url: 'https://ops.example.com/gaffer', secret: 'a-webhook-secret-0123456789' } })

    const result = await runToEnd(process.execPath, ['src/cli/gaffer.ts', 'validate', file], { ...process.env, GAFFER_NOTIFY: notify })

    expect(result.code).toBe(0)
    expect(result.stderr).toContain(
      `warning: ${file}: notifications.channels: "team-chat" is not a channel the operator defined in GAFFER_NOTIFY (ops)`,
    )
    expect(result.stderr).not.toContain('"ops" is not')
  })

  it('says how to use it when the command is unknown', async () => {
    const result = await gaffer('frobnicate')

    expect(result.code).toBe(2)
    expect(result.stderr).toContain('unknown command "frobnicate"')
    expect(result.stderr).toContain('validate [dir]')
  })
})

describe('gaffer sandbox --agents', () => {
  const dirs: string[] = []
  afterAll(async () => {
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })))
  })
  const sandbox = (env: NodeJS.ProcessEnv, ...args: string[]) =>
    runToEnd(process.execPath, ['src/cli/gaffer.ts', 'sandbox', ...args], { PATH: process.env.PATH, HOME: process.env.HOME, PORT: '0', ...env })

  it('checks the org chart first, prints every problem as validate does, and starts nothing', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'gaffer-agents-'))
    dirs.push(dir)
    await mkdir(path.join(dir, 'boss'))
    await writeFile(
      path.join(dir, 'boss', 'AGENTS.md'),
      '---\nname: Boss\nrole: ceo\nheartbeat: "0 * * * *"\ntools: [review_pull_request]\n---\nLead.\n',
    )

    const result = await sandbox({ GAFFER_HOME: dir }, '--agents', dir)

    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/^1 problem in .*:\n.*boss\/AGENTS\.md: tools\[0\]: only a reviewer may hold review_pull_request/m)
    expect(result.stdout).not.toContain('sandbox is running')
  })

  it('says how to run the sandbox when GitHub App credentials are set', async () => {
    const result = await sandbox({
      APP_ID: '1',
      PRIVATE_KEY: '-----BEGIN RSA PRIVATE KEY-----\nx\n-----END RSA PRIVATE KEY-----',
      WEBHOOK_SECRET: 's',
      DATABASE_URL: 'postgres://x@127.0.0.1:2/x',
    })

    expect(result.code).toBe(2)
    expect(result.stderr).toContain('unset them to run the sandbox')
  })
})

describe('gaffer deliveries retry', () => {
  const db = useMigratedDatabase()
  const retry = (id: string) =>
    runToEnd(process.execPath, ['src/cli/gaffer.ts', 'deliveries', 'retry', id], { ...process.env, DATABASE_URL: db.url, LOG_LEVEL: 'warn' })

  it('gives a dead delivery a fresh set of attempts, and says so for an id that is not dead', async () => {
    await db.pool.query(
      `insert into webhook_deliveries (delivery_id, payload_sha256, event, payload, attempts, error, dead_at)
       values ('dead-one', 'sha-dead-one', 'issues', '{}', 5, 'boom', now())`,
    )

    const revived = await retry('dead-one')
    const unknown = await retry('never-seen')

    expect(revived).toMatchObject({ code: 0 })
    expect(revived.stdout).toContain('delivery dead-one will be retried')
    expect((await db.pool.query("select dead_at, attempts from webhook_deliveries where delivery_id = 'dead-one'")).rows[0]).toEqual({
      dead_at: null,
      attempts: 0,
    })
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toContain('no dead delivery never-seen')
  })
})
