#!/usr/bin/env node
import { stat } from 'node:fs/promises'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { ConfigError, loadConfig } from '../config/env.ts'
import { loadEnvFile } from '../config/load-env-file.ts'
import { loadRuntimes } from '../config/runtimes.ts'
import { createLogger } from '../log.ts'
import { formatOrgChart, formatProblems, loadRosterDir, shippedAgentsDir } from '../roster/load-roster.ts'
import { migrate } from '../store/migrate.ts'
import { openDatabase } from '../store/open-database.ts'
import { createPool, type Pool } from '../store/pool.ts'
import { retryDeadDelivery } from '../store/webhook-deliveries.ts'
import { doctorCommand } from './doctor-command.ts'
import { validateSettings } from './validate-settings.ts'
import { registerCommand, registerUsage } from './register-command.ts'

const usage = `usage: gaffer <command>

  doctor           check the environment, the database, the GitHub App against app.yml, each installation and
                   repository, the model server (one tool call) and the CLI runtimes; prints a fix for each
                   problem and exits 1 when anything FAILs
  register         register the GitHub App from app.yml through GitHub's manifest flow and write its
                   credentials to .env:
                   ${registerUsage.replace(/\n/g, '\n  ')}
  validate [dir]   check the AGENTS.md files in dir (default: agents/) against GAFFER_RUNTIMES and print the org chart
  validate <file>  check a repository's settings file (.github/gaffer.yml) and print each problem with its fix
  migrate          apply the SQL migrations to DATABASE_URL (or the embedded database)
  wake <slug>      run an agent's heartbeat now   [--repository owner/name] [--url http://127.0.0.1:3000]
  status           print agents and open items    [--url http://127.0.0.1:3000]
  sandbox          run the sandbox (the same as npm start without GitHub App credentials)
                   [--agents DIR] with the org chart in DIR (checked first, like validate), to rehearse it
  worker           run heartbeats and CLI runs only, no webhook server (GAFFER_PROCESS=worker); webhooks go to
                   a GAFFER_PROCESS=web process sharing DATABASE_URL
  deliveries retry <id>
                   give a dead webhook delivery (X-GitHub-Delivery id) new attempts; a running Gaffer
                   processes it at its next delivery sweep (within 30 s)

wake and status talk to a running Gaffer; they send GAFFER_ADMIN_TOKEN when it is set.
Every command reads .env in the working directory first, as npm start does; the environment wins over it.
`

async function validate(dir: string | undefined): Promise<number> {
  if (dir !== undefined && (await stat(dir).catch(() => undefined))?.isFile()) return validateSettings(dir)
  const folder = path.resolve(dir ?? shippedAgentsDir)
  // Only the runtimes are read from the environment: validate needs no GitHub App or database.
  const { runtimes, problems } = loadRuntimes(process.env)
  if (problems.length > 0) throw new ConfigError(problems)
  const result = await loadRosterDir(folder, { runtimes: Object.keys(runtimes) })
  if (!result.roster) {
    console.error(`${result.problems.length} problem${result.problems.length === 1 ? '' : 's'} in ${folder}:`)
    console.error(formatProblems(result.problems))
    return 1
  }
  console.log(`${result.roster.agents.length} agents in ${folder}:\n`)
  console.log(formatOrgChart(result.roster))
  return 0
}

/**
 * The sandbox, optionally with another org chart: `--agents DIR` is validated first (its
 * problems printed as `validate` prints them), then becomes the sandbox's roster through
 * GAFFER_AGENTS_DIR, so the org can be rehearsed before any token is spent.
 */
async function sandbox(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { agents: { type: 'string' } } })
  if (loadConfig(process.env).githubApp !== undefined) {
    console.error(
      'gaffer sandbox: APP_ID, PRIVATE_KEY and WEBHOOK_SECRET are set, which would serve the real GitHub App; unset them to run the sandbox',
    )
    return 2
  }
  if (values.agents !== undefined) {
    const checked = await validate(values.agents)
    if (checked !== 0) return checked
    process.env.GAFFER_AGENTS_DIR = path.resolve(values.agents)
  }
  await import('../main.ts')
  return -1
}

/** Runs `fn` on the configured database (embedded unless DATABASE_URL is set), then closes it. */
async function withDatabase<T>(fn: (pool: Pool) => Promise<T>): Promise<T> {
  const config = loadConfig(process.env)
  const log = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel)
  const database = await openDatabase({ databaseUrl: config.databaseUrl, home: config.home, log })
  const pool = createPool(database.url, 2)
  try {
    return await fn(pool)
  } finally {
    await pool.end()
    await database.stop()
  }
}

function runMigrations(): Promise<number> {
  return withDatabase(async (pool) => {
    const result = await migrate(pool)
    console.log(result.applied.length > 0 ? `applied ${result.applied.join(', ')}` : 'the schema is up to date')
    return 0
  })
}

async function deliveries(args: string[]): Promise<number> {
  const [action, id] = args
  if (action !== 'retry' || !id) {
    console.error(`gaffer deliveries: use gaffer deliveries retry <delivery id>\n\n${usage}`)
    return 2
  }
  return withDatabase(async (pool) => {
    if ((await retryDeadDelivery(pool, id)) === 0) {
      console.error(`gaffer deliveries retry: no dead delivery ${id}; the state API lists them under deliveries.dead`)
      return 1
    }
    console.log(`delivery ${id} will be retried at the next delivery sweep`)
    return 0
  })
}

/** Calls a running Gaffer's admin API. */
async function callApi(path: string, options: { url: string | undefined; method: 'GET' | 'POST' }): Promise<unknown> {
  const base = (options.url ?? `http://127.0.0.1:${process.env.PORT || 3000}`).replace(/\/+$/, '')
  const token = process.env.GAFFER_ADMIN_TOKEN
  let response: Response
  try {
    response = await fetch(`${base}${path}`, {
      method: options.method,
      headers: token ? { authorization: `Bearer ${token}` } : {},
    })
  } catch {
    throw new Error(`no Gaffer answering at ${base}; start it with npm start, or pass --url`)
  }
  const body = (await response.json().catch(() => ({}))) as { error?: string }
  if (!response.ok) throw new Error(body.error ?? `${base} answered ${response.status}`)
  return body
}

async function wake(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { repository: { type: 'string' }, url: { type: 'string' } } })
  const slug = positionals[0]
  if (!slug) {
    console.error(`gaffer wake: name the agent, e.g. gaffer wake backend-engineer\n\n${usage}`)
    return 2
  }
  const query = values.repository ? `?repository=${encodeURIComponent(values.repository)}` : ''
  const result = (await callApi(`/gaffer/api/agents/${encodeURIComponent(slug)}/wake${query}`, { url: values.url, method: 'POST' })) as {
    outcome: string
    items: number
    githubRequests: number
    error?: string
  }
  console.log(
    `${slug}: ${result.outcome} (items ${result.items}, GitHub requests ${result.githubRequests})${result.error ? ` — ${result.error}` : ''}`,
  )
  return 0
}

async function status(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { url: { type: 'string' } } })
  const state = (await callApi('/gaffer/api/state', { url: values.url, method: 'GET' })) as {
    agents: Array<{ repository: string; slug: string; role: string; paused: boolean }>
    items: Array<{ repository: string; number: number; status: string | null; owner: string | null; priority_score: number; title: string }>
  }
  for (const agent of state.agents) console.log(`${agent.repository}  ${agent.slug} (${agent.role})${agent.paused ? '  paused' : ''}`)
  console.log('')
  for (const item of state.items) {
    console.log(`${item.repository}#${item.number}  ${item.status ?? '-'}  ${item.owner ?? '-'}  ${item.priority_score}  ${item.title}`)
  }
  return 0
}

async function runCommand(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  const envFile = loadEnvFile()
  switch (command) {
    case 'doctor':
      return doctorCommand(envFile)
    case 'register':
      return registerCommand(rest)
    case 'validate':
      return validate(rest[0])
    case 'migrate':
      return runMigrations()
    case 'wake':
      return wake(rest)
    case 'status':
      return status(rest)
    case 'deliveries':
      return deliveries(rest)
    case 'sandbox':
      return sandbox(rest)
    case 'worker':
      process.env.GAFFER_PROCESS = 'worker'
      await import('../main.ts')
      return -1
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      console.log(usage)
      return 0
    default:
      console.error(`gaffer: unknown command "${command}"\n\n${usage}`)
      return 2
  }
}

runCommand(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code)
  },
  (error: unknown) => {
    console.error(error instanceof ConfigError ? `gaffer: invalid configuration\n${error.message}` : `gaffer: ${(error as Error).message}`)
    process.exit(1)
  },
)
