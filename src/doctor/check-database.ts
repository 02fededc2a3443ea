import { readDatabaseStatus } from '../store/database-status.ts'
import { whereTo } from '../store/open-database.ts'
import { createPool } from '../store/pool.ts'
import { databaseVerdict } from './database-verdict.ts'
import type { DoctorLine } from './doctor-line.ts'

/** Connects to DATABASE_URL and reads the server's version and the migrations' state; changes nothing. */
export async function checkDatabase(config: { databaseUrl: string | undefined; home: string }): Promise<DoctorLine[]> {
  if (config.databaseUrl === undefined) return databaseVerdict({ kind: 'embedded', home: config.home })
  const where = whereTo(config.databaseUrl)
  const pool = createPool(config.databaseUrl, 1)
  try {
    return databaseVerdict({ kind: 'status', where, status: await readDatabaseStatus(pool) })
  } catch (error) {
    const e = error as { message?: string; code?: unknown }
    return databaseVerdict({ kind: 'error', where, message: e.message || String(error), code: typeof e.code === 'string' ? e.code : undefined })
  } finally {
    await pool.end()
  }
}
