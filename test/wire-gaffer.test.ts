import { generateKeyPairSync } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Octokit } from '../src/github/octokit.ts'
import { createWakeRouter } from '../src/heartbeat/wake-router.ts'
import { createLogger } from '../src/log.ts'
import { migrate } from '../src/store/migrate.ts'
import { upsertRepository } from '../src/store/repositories.ts'
import { wireGaffer, type WiredGaffer } from '../src/wire-gaffer.ts'
import { createTestDatabase, type TestDatabase } from './helpers/database.ts'

const { privateKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
})

/** Answers every read with 404, as GitHub does for a repository without `.github/agents`. */
const githubWithoutAgents = {
  request: () => Promise.reject(Object.assign(new Error('Not Found'), { status: 404 })),
} as unknown as Octokit

describe('wiring a replica', () => {
  let db: TestDatabase
  let wired: WiredGaffer | undefined

  beforeEach(async () => {
    db = await createTestDatabase()
  })
  afterEach(async () => {
    await wired?.scheduler?.stop()
    wired = undefined
    await db.drop()
  })

  function wire(settings: { schedule: boolean }) {
    return wireGaffer({
      app: { appId: 1, privateKey, webhookSecret: 'secret' },
      // Nothing listens here: wiring must not need GitHub.
      githubApiUrl: 'http://127.0.0.1:9',
      pool: db.pool,
      log: createLogger('silent'),
      port: 0,
      adminToken: undefined,
      settings: { ...settings, wakes: false },
    })
  }

  it('assembles the parts without listening, migrating or asking GitHub who the app is', async () => {
    wired = await wire({ schedule: true })

    expect(wired.server.listening).toBe(false)
    expect(() => wired!.identity.botLogin()).toThrow(/start the replica/)
    const { rows } = await db.pool.query<{ table: string | null }>("select to_regclass('repositories')::text as table")
    expect(rows[0]!.table).toBeNull()
  })

  it.each([
    { schedule: true, registers: true },
    { schedule: false, registers: false },
  ])('registers heartbeats when a roster loads only with schedule $schedule', async ({ schedule, registers }) => {
    wired = await wire({ schedule })
    await migrate(db.pool)
    await upsertRepository(db.pool, { fullName: 'acme/widgets', installationId: 1, defaultBranch: 'main' })

    await wired.rosters.reload(githubWithoutAgents, { fullName: 'acme/widgets', defaultBranch: 'main' })

    const tasks = wired.scheduler?.tasks() ?? []
    expect(tasks.length > 0).toBe(registers)
    expect(tasks.every((task) => task.startsWith('acme/widgets/'))).toBe(true)
  })
})

describe('the wake router', () => {
  it('drops wakes until a target is routed, then delivers each one', () => {
    const router = createWakeRouter()
    const woken: string[] = []

    router.wake('acme/widgets', 'ceo')
    router.routeTo((repository, agent) => woken.push(`${repository}/${agent}`))
    router.wake('acme/widgets', 'backend-engineer')

    expect(woken).toEqual(['acme/widgets/backend-engineer'])
  })
})
