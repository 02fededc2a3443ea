import type { Config } from './config/env.ts'
import { optionsFromConfig, type GafferOptions } from './gaffer-options.ts'
import { startGaffer, type Gaffer } from './gaffer.ts'
import type { Logger } from './log.ts'
import type { StopList } from './stop-list.ts'
import { openDatabase } from './store/open-database.ts'
import { createPool } from './store/pool.ts'

/**
 * Opens the configured database (embedded unless DATABASE_URL is set) and starts Gaffer
 * on it with the config's options and `options` on top. Each part is added to `stops`
 * as it comes up, so the caller's failure or signal stops exactly what is running.
 */
export async function startWithDatabase(
  config: Config,
  log: Logger,
  stops: StopList,
  options: Pick<GafferOptions, 'app' | 'githubApiUrl' | 'host' | 'port'> & Partial<GafferOptions>,
): Promise<Gaffer> {
  const database = await openDatabase({ databaseUrl: config.databaseUrl, home: config.home, log })
  stops.add('database', database.stop)
  const pool = createPool(database.url)
  stops.add('pool', () => pool.end())
  const fromConfig = optionsFromConfig(config)
  const gaffer = await startGaffer({ pool, log, ...fromConfig, ...options, settings: { ...fromConfig.settings, ...options.settings } })
  stops.add('gaffer', () => gaffer.stop())
  return gaffer
}
