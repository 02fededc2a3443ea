import path from 'node:path'
import type { Logger } from '../log.ts'
import { embeddedDataDir, startEmbeddedPostgres } from './embedded-postgres.ts'

export type Database = { url: string; embedded: boolean; stop: () => Promise<void> }

/** DATABASE_URL when set; otherwise an embedded Postgres whose files live under GAFFER_HOME. */
export async function openDatabase(options: { databaseUrl: string | undefined; home: string; log: Logger }): Promise<Database> {
  if (options.databaseUrl) return { url: options.databaseUrl, embedded: false, stop: async () => {} }
  const dataDir = await embeddedDataDir(options.home)
  const passwordFile = path.join(options.home, 'postgres.password')
  const embedded = await startEmbeddedPostgres({ dataDir, passwordFile, log: options.log })
  options.log.info({ dataDir }, 'embedded postgres is running')
  return { url: embedded.url, embedded: true, stop: embedded.stop }
}
