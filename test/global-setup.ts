import type { TestProject } from 'vitest/node'
import { createLogger } from '../src/log.ts'
import { startThrowawayPostgres } from '../src/store/embedded-postgres.ts'

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
  const database = await startThrowawayPostgres(createLogger('warn'))
  project.provide('adminDatabaseUrl', database.url)
  return () => database.stop()
}
