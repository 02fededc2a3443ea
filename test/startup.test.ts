import { generateKeyPairSync } from 'node:crypto'
import { existsSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtemp, readFile, realpath, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runToEnd, startUntil } from './helpers/run-process.ts'

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
const app = { APP_ID: '123456', PRIVATE_KEY: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(), WEBHOOK_SECRET: 'webhook-secret-value' }
const base: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, PORT: '0', LOG_LEVEL: 'silent' }
const gaffer = (env: NodeJS.ProcessEnv) => runToEnd(process.execPath, ['src/main.ts'], { ...base, ...env })

const homes: string[] = []
async function newHome(): Promise<string> {
  const home = await mkdtemp(path.join(tmpdir(), 'gaffer-startup-'))
  homes.push(home)
  return home
}
afterAll(async () => {
  for (const home of homes) {
    const data = await realpath(path.join(home, 'postgres')).catch(() => undefined)
    await rm(home, { recursive: true, force: true })
    if (data) await rm(data, { recursive: true, force: true })
    if (data) await rm(`${data}.owner`, { force: true })
  }
})

/** The PID in the cluster's lock file when that process is still alive. */
async function runningPostmaster(home: string): Promise<number | undefined> {
  const data = await realpath(path.join(home, 'postgres'))
  const pid = Number((await readFile(path.join(data, 'postmaster.pid'), 'utf8').catch(() => '')).split('\n')[0])
  if (!pid) return undefined
  try {
    process.kill(pid, 0)
    return pid
  } catch {
    return undefined
  }
}

describe('starting the GitHub App', () => {
  it('refuses to start without DATABASE_URL, naming it and GAFFER_EMBEDDED_DB', async () => {
    const home = await newHome()

    const run = await gaffer({ ...app, GAFFER_HOME: home })

    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(/^ {2}DATABASE_URL: missing; .*GAFFER_EMBEDDED_DB=1/m)
    expect(existsSync(path.join(home, 'postgres'))).toBe(false)
  })

  it('names DATABASE_URL when the database cannot be reached', async () => {
    const run = await gaffer({ ...app, DATABASE_URL: 'postgres://gaffer:hunter2@127.0.0.1:2/gaffer' })

    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(/^gaffer: cannot use the database at DATABASE_URL \(gaffer@127\.0\.0\.1:2\/gaffer\): connect ECONNREFUSED/)
    expect(run.stderr).not.toContain('hunter2')
  }, 60_000)

  it('stops its embedded Postgres when GitHub cannot be reached, names GITHUB_API_URL, and starts the same way again', async () => {
    const home = await newHome()
    const env = { ...app, GAFFER_EMBEDDED_DB: '1', GAFFER_HOME: home, GITHUB_API_URL: 'http://127.0.0.1:2' }

    const first = await gaffer(env)
    const leftAfterFirst = await runningPostmaster(home)
    const second = await gaffer(env)

    expect(first.code).toBe(1)
    expect(first.stderr).toMatch(/^gaffer: the GitHub API at GITHUB_API_URL \(http:\/\/127\.0\.0\.1:2\) could not be reached .*ECONNREFUSED/)
    expect(leftAfterFirst).toBeUndefined()
    expect(second.stderr).toBe(first.stderr)
    expect(await runningPostmaster(home)).toBeUndefined()
  }, 180_000)

  it('stops the Postgres a killed Gaffer left running before it starts its own', async () => {
    const home = await newHome()
    const killed = await startUntil(process.execPath, ['test/fixtures/start-embedded-and-hang.ts', home], process.env, 'database up', 60_000)
    killed.child.kill('SIGKILL')
    await killed.exited
    const leftover = await runningPostmaster(home)
    // A GitHub that refuses the app at once, so the start fails fast after the database.
    const github = createServer((_, res) => res.writeHead(401, { 'content-type': 'application/json' }).end('{"message":"Integration not found"}'))
    await new Promise<void>((resolve) => github.listen(0, '127.0.0.1', resolve))

    const run = await gaffer({
      ...app,
      GAFFER_EMBEDDED_DB: '1',
      GAFFER_HOME: home,
      GITHUB_API_URL: `http://127.0.0.1:${(github.address() as AddressInfo).port}`,
    })
    await new Promise((resolve) => github.close(resolve))

    expect(leftover).toBeGreaterThan(0)
    // It got past the database to GitHub: the leftover was stopped, not reported as `undefined`.
    expect(run.stderr).toMatch(/^gaffer: GitHub refused the app \(401 .*check APP_ID and PRIVATE_KEY/)
    expect(await runningPostmaster(home)).toBeUndefined()
  }, 180_000)

  it('names the data directory and the fix when the cluster’s password file is gone', async () => {
    const home = await newHome()
    const first = await startUntil(process.execPath, ['test/fixtures/start-embedded-and-hang.ts', home], process.env, 'database up', 60_000)
    first.child.kill('SIGTERM')
    await first.exited
    await rm(path.join(home, 'postgres.password'))

    const run = await gaffer({ ...app, GAFFER_EMBEDDED_DB: '1', GAFFER_HOME: home })

    const data = await realpath(path.join(home, 'postgres'))
    expect(run.code).toBe(1)
    expect(run.stderr).toContain(`gaffer: the embedded Postgres in ${data} was created with another password`)
    expect(run.stderr).toContain(`Move ${data} aside`)
  }, 120_000)
})
