import { migrationsDir } from './migrate.ts'
import { readMigrationStatus, type MigrationStatus } from './migration-status.ts'
import type { Queryable } from './pool.ts'

export type DatabaseStatus = { serverVersion: string; migrations: MigrationStatus }

/** The server's version and the migrations' state, read without taking the migration lock or writing. */
export async function readDatabaseStatus(pool: Queryable, dir = migrationsDir): Promise<DatabaseStatus> {
  const { rows } = await pool.query<{ version: string }>("select current_setting('server_version') as version")
  return { serverVersion: rows[0]!.version, migrations: await readMigrationStatus(pool, dir) }
}
