import { migrationsDir, readMigrationFiles } from './migrate.ts'
import type { Queryable } from './pool.ts'

/** Which of `migrations/*.sql` a database has, compared by name and checksum; nothing is changed. */
export type MigrationStatus = {
  applied: string[]
  /** On disk, not applied yet: the next start (or `gaffer migrate`) applies them. */
  pending: string[]
  /** Applied, and edited on disk since: the next start refuses to run. */
  changed: string[]
  /** Applied by a Gaffer that had migrations this one does not (a newer version). */
  unknown: string[]
}

export type DatabaseStatus = { serverVersion: string; migrations: MigrationStatus }

/** The server's version and the migrations' state, read without taking the migration lock or writing. */
export async function readDatabaseStatus(pool: Queryable, dir = migrationsDir): Promise<DatabaseStatus> {
  const { rows } = await pool.query<{ version: string; tracked: boolean }>(
    "select current_setting('server_version') as version, to_regclass('schema_migrations') is not null as tracked",
  )
  const recorded = rows[0]!.tracked
    ? new Map(
        (await pool.query<{ name: string; checksum: string }>('select name, checksum from schema_migrations')).rows.map((row) => [
          row.name,
          row.checksum,
        ]),
      )
    : new Map<string, string>()
  const files = await readMigrationFiles(dir)
  const onDisk = new Set(files.map((file) => file.name))
  return {
    serverVersion: rows[0]!.version,
    migrations: {
      applied: files.filter((file) => recorded.get(file.name) === file.checksum).map((file) => file.name),
      pending: files.filter((file) => !recorded.has(file.name)).map((file) => file.name),
      changed: files.filter((file) => recorded.has(file.name) && recorded.get(file.name) !== file.checksum).map((file) => file.name),
      unknown: [...recorded.keys()].filter((name) => !onDisk.has(name)).sort(),
    },
  }
}
