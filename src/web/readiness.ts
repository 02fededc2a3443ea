import type { AppIdentity } from '../github/app-identity.ts'
import type { Logger } from '../log.ts'
import { isConnectionError } from '../store/connection-error.ts'
import { readMigrationFiles, type MigrationFile } from '../store/migrate.ts'
import { readMigrationStatus } from '../store/migration-status.ts'
import { pingDatabase, type Pool } from '../store/pool.ts'

export type Check = { ok: true } | { ok: false; reason: string }

export type Readiness = {
  ready: boolean
  /** The checks that failed, by name: what an operator looks at first. */
  notReady: string[]
  checks: { database: Check; migrations: Check; github: Check }
}

/** How long `/readyz` waits for the database: a probe that hangs is worse than one that says no. */
export const READY_DATABASE_TIMEOUT_MS = 2000

/**
 * `GET /readyz`: may this replica be sent work? The database answers, every migration
 * this build ships is applied, and GitHub accepts the app's credentials. The answer is
 * public (load balancers ask without a token), so reasons name what is wrong, never an
 * address or a server's error text; those go to the log, once each time readiness changes.
 */
export function createReadiness(deps: { pool: Pool; log: Logger; identity: Pick<AppIdentity, 'authentication'>; databaseTimeoutMs?: number }) {
  let lastNotReady = ''
  // The files this build ships do not change while it runs: read and hash them once.
  let shipped: Promise<MigrationFile[]> | undefined
  const shippedMigrations = () =>
    (shipped ??= readMigrationFiles().catch((error: unknown) => {
      shipped = undefined
      throw error
    }))
  return async function readiness(): Promise<Readiness> {
    const database = await databaseAnswers(deps)
    const migrations: Check = database.ok
      ? await checkMigrations(deps, shippedMigrations())
      : { ok: false, reason: 'not checked: the database does not answer' }
    const checks = { database, migrations, github: deps.identity.authentication() }
    const notReady = Object.entries(checks)
      .filter(([, check]) => !check.ok)
      .map(([name]) => name)
    if (notReady.join() !== lastNotReady) {
      if (notReady.length > 0) deps.log.warn({ checks }, 'not ready')
      else deps.log.info('ready')
      lastNotReady = notReady.join()
    }
    return { ready: notReady.length === 0, notReady, checks }
  }
}

async function databaseAnswers(deps: { pool: Pool; log: Logger; databaseTimeoutMs?: number }): Promise<Check> {
  const timeoutMs = deps.databaseTimeoutMs ?? READY_DATABASE_TIMEOUT_MS
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<Check>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, reason: `the database did not answer within ${timeoutMs} ms` }), timeoutMs)
  })
  const query = pingDatabase(deps.pool).then(
    (): Check => ({ ok: true }),
    (error: unknown): Check => {
      deps.log.debug({ err: error }, 'readiness: the database check failed')
      const code = (error as { code?: unknown }).code
      const detail = typeof code === 'string' ? ` (${code})` : ''
      return { ok: false, reason: isConnectionError(error) ? `cannot reach the database${detail}` : `the database refused a query${detail}` }
    },
  )
  try {
    return await Promise.race([query, timeout])
  } finally {
    clearTimeout(timer)
  }
}

async function checkMigrations(deps: { pool: Pool; log: Logger }, shipped: Promise<MigrationFile[]>): Promise<Check> {
  try {
    // A database ahead of this build (a newer replica migrated it) counts as up to date.
    const { pending } = await readMigrationStatus(deps.pool, await shipped)
    return pending.length === 0 ? { ok: true } : { ok: false, reason: `${pending.length} migration(s) not applied: ${pending.join(', ')}` }
  } catch (error) {
    deps.log.debug({ err: error }, 'readiness: the migrations check failed')
    return { ok: false, reason: 'could not read schema_migrations' }
  }
}
