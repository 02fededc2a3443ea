import { createHash } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Pool } from './pool.ts'

export const migrationsDir = fileURLToPath(new URL('../../migrations/', import.meta.url))

// Any constant works; it only has to be the same for every replica.
const MIGRATION_LOCK = 0x6761_6666 // "gaff"

export type MigrationResult = { applied: string[]; alreadyApplied: number }

export type MigrationFile = { name: string; sql: string; checksum: string }

/** `migrations/*.sql` in the order they are applied, each with the checksum `schema_migrations` records. */
export async function readMigrationFiles(dir = migrationsDir): Promise<MigrationFile[]> {
  const names = (await readdir(dir)).filter((name) => /^\d+.*\.sql$/.test(name)).sort()
  return Promise.all(
    names.map(async (name) => {
      const sql = await readFile(path.join(dir, name), 'utf8')
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') }
    }),
  )
}

/**
 * Applies `migrations/*.sql` in name order, each in its own transaction, under a
 * session advisory lock so replicas starting together never race.
 */
export async function migrate(pool: Pool, dir = migrationsDir): Promise<MigrationResult> {
  const files = await readMigrationFiles(dir)
  const client = await pool.connect()
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK])
    await client.query(`create table if not exists schema_migrations (
      name text primary key,
      checksum text not null,
      applied_at timestamptz not null default now()
    )`)
    const done = new Map(
      (await client.query<{ name: string; checksum: string }>('select name, checksum from schema_migrations')).rows.map((row) => [
        row.name,
        row.checksum,
      ]),
    )
    const applied: string[] = []
    for (const { name, sql, checksum } of files) {
      const previous = done.get(name)
      if (previous !== undefined) {
        if (previous !== checksum) {
          throw new Error(`migrations/${name} changed after it was applied; add a new migration file instead of editing an applied one`)
        }
        continue
      }
      await client.query('begin')
      try {
        await client.query(sql)
        await client.query('insert into schema_migrations (name, checksum) values ($1, $2)', [name, checksum])
        await client.query('commit')
      } catch (error) {
        await client.query('rollback')
        throw new Error(`migrations/${name} failed: ${(error as Error).message}`, { cause: error })
      }
      applied.push(name)
    }
    return { applied, alreadyApplied: done.size }
  } finally {
    await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {})
    client.release()
  }
}
