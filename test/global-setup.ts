import { chmod, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { TestProject } from 'vitest/node'
import { createLogger } from '../src/log.ts'
import { startEmbeddedPostgres } from '../src/store/embedded-postgres.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    adminDatabaseUrl: string
  }
}

/**
 * Tests run against DATABASE_URL when it is set (CI has a server on 127.0.0.1:5432);
 * otherwise one embedded Postgres serves the whole run. Each test file makes its own database.
 */
export default async function setup(project: TestProject) {
  if (process.env.DATABASE_URL) {
    project.provide('adminDatabaseUrl', process.env.DATABASE_URL)
    return
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'gaffer-test-pg-'))
  // As root the cluster runs as the postgres user, which must be able to reach its data directory.
  await chmod(dir, 0o755)
  const database = await startEmbeddedPostgres({
    dataDir: path.join(dir, 'data'),
    passwordFile: path.join(dir, 'password'),
    log: createLogger('warn'),
    persistent: false,
  })
  project.provide('adminDatabaseUrl', database.url)
  return async () => {
    await database.stop()
    await rm(dir, { recursive: true, force: true })
  }
}
