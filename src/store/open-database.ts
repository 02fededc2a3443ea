import path from 'node:path'
import pg from 'pg'
import type { Logger } from '../log.ts'
import { embeddedDataDir, startEmbeddedPostgres } from './embedded-postgres.ts'

export type Database = { url: string; embedded: boolean; stop: () => Promise<void> }

/**
 * DATABASE_URL when set; otherwise an embedded Postgres whose files live under GAFFER_HOME.
 * A DATABASE_URL that cannot be reached stops the start with an error naming it, not a
 * bare `connect ECONNREFUSED` from the first query.
 */
export async function openDatabase(options: { databaseUrl: string | undefined; home: string; log: Logger }): Promise<Database> {
  if (options.databaseUrl) {
    await checkConnection(options.databaseUrl)
    return { url: options.databaseUrl, embedded: false, stop: async () => {} }
  }
  const dataDir = await embeddedDataDir(options.home)
  const passwordFile = path.join(options.home, 'postgres.password')
  const embedded = await startEmbeddedPostgres({ dataDir, passwordFile, log: options.log })
  options.log.info({ dataDir }, 'embedded postgres is running')
  return { url: embedded.url, embedded: true, stop: embedded.stop }
}

async function checkConnection(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 10_000 })
  // A failed connect also emits 'error'; without a listener that would end the process.
  client.on('error', () => {})
  try {
    await client.connect()
    await client.query('select 1')
  } catch (error) {
    throw new Error(
      `cannot use the database at DATABASE_URL (${whereTo(databaseUrl)}): ${(error as Error).message || String(error)}; check DATABASE_URL, that Postgres runs there and that it accepts this user`,
      { cause: error },
    )
  } finally {
    await client.end().catch(() => {})
  }
}

/** Host, port and database of a connection string, never its password. */
export function whereTo(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl)
    return `${url.username ? `${url.username}@` : ''}${url.host}${url.pathname}`
  } catch {
    return 'unparsable'
  }
}
