import { generateKeyPairSync } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ProcessRole } from '../src/config/env.ts'
import type { ModelOptions } from '../src/gaffer-options.ts'
import { createLogger } from '../src/log.ts'
import { wireGaffer } from '../src/wire-gaffer.ts'
import { createTestDatabase, type TestDatabase } from './helpers/database.ts'

const { privateKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
})

const configured: ModelOptions = { apiKey: 'k', baseUrl: 'http://127.0.0.1:9/v1', defaultModel: 'gpt-4.1-mini' }
const rehearsal: ModelOptions = { apiKey: undefined, baseUrl: 'http://127.0.0.1:9', defaultModel: 'gaffer-rehearsal', rehearsal: true }

describe('which replicas judge priorities (SPEC §17)', () => {
  let db: TestDatabase

  beforeEach(async () => {
    db = await createTestDatabase()
  })
  afterEach(async () => {
    await db.drop()
  })

  it.each([
    { name: 'a worker with a model server', model: configured, processRole: 'worker', judges: true },
    { name: 'a single process with a model server', model: configured, processRole: 'all', judges: true },
    { name: 'a web process', model: configured, processRole: 'web', judges: false },
    { name: 'no model server', model: undefined, processRole: 'all', judges: false },
    { name: 'the rehearsal model', model: rehearsal, processRole: 'all', judges: false },
  ] as Array<{ name: string; model: ModelOptions | undefined; processRole: ProcessRole; judges: boolean }>)(
    '$name: judges $judges',
    async ({ model, processRole, judges }) => {
      const wired = await wireGaffer({
        app: { appId: 1, privateKey, webhookSecret: 'secret' },
        githubApiUrl: 'http://127.0.0.1:9',
        pool: db.pool,
        log: createLogger('silent'),
        port: 0,
        adminToken: undefined,
        settings: { schedule: false, wakes: false },
        processRole,
        ...(model ? { model } : {}),
      })

      expect(wired.judgePriorities !== undefined).toBe(judges)
    },
  )
})
