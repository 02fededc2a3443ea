import { migrationsDir, readMigrationFiles, type MigrationFile } from './migrate.ts'
import type { Queryable } from './pool.ts'

/** Which of `migrations/*.sql` a database has, compared by name and checksum; nothing is changed. */
export type MigrationStatus = {
  applied: string[]
  /** On disk, not applied yet: the next start (or `gaffer migrate`) applies them. */
  pending: string[]
  /** Applied, and edited on disk since: the next start refuses to run. */
  changed: string[]
  /**
   * Applied by a Gaffer that had migrations this one does not (a newer version, during a
   * rolling upgrade): the database is ahead, which counts as up to date.
   */
  unknown: string[]
}

/**
 * The migrations' state, read without taking the migration lock or writing: for
 * `gaffer doctor` and `/readyz`. A database without `schema_migrations` has none applied.
 * `shipped` is a folder to read, or the files already read from it (a probe asked every few
 * seconds reads and hashes them once per process, not on every call).
 */
export async function readMigrationStatus(pool: Queryable, shipped: string | readonly MigrationFile[] = migrationsDir): Promise<MigrationStatus> {
  const { rows } = await pool.query<{ tracked: boolean }>("select to_regclass('schema_migrations') is not null as tracked")
  const recorded = rows[0]!.tracked
    ? new Map(
        (await pool.query<{ name: string; checksum: string }>('select name, checksum from schema_migrations')).rows.map((row) => [
          row.name,
          row.checksum,
        ]),
      )
    : new Map<string, string>()
  const files = typeof shipped === 'string' ? await readMigrationFiles(shipped) : shipped
  const onDisk = new Set(files.map((file) => file.name))
  return {
    applied: files.filter((file) => recorded.get(file.name) === file.checksum).map((file) => file.name),
    pending: files.filter((file) => !recorded.has(file.name)).map((file) => file.name),
    changed: files.filter((file) => recorded.has(file.name) && recorded.get(file.name) !== file.checksum).map((file) => file.name),
    unknown: [...recorded.keys()].filter((name) => !onDisk.has(name)).sort(),
  }
}
