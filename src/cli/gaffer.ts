#!/usr/bin/env node
import path from 'node:path'
import { ConfigError, loadConfig } from '../config/env.ts'
import { createLogger } from '../log.ts'
import { formatOrgChart, formatProblems, loadRosterDir, shippedAgentsDir } from '../roster/load-roster.ts'
import { migrate } from '../store/migrate.ts'
import { openDatabase } from '../store/open-database.ts'
import { createPool } from '../store/pool.ts'

const usage = `usage: gaffer <command>

  validate [dir]   check the AGENTS.md files in dir (default: agents/) and print the org chart
  migrate          apply the SQL migrations to DATABASE_URL (or the embedded database)
  sandbox          run the sandbox (the same as npm start without GitHub App credentials)
`

async function validate(dir: string | undefined): Promise<number> {
  const folder = path.resolve(dir ?? shippedAgentsDir)
  const result = await loadRosterDir(folder)
  if (!result.roster) {
    console.error(`${result.problems.length} problem${result.problems.length === 1 ? '' : 's'} in ${folder}:`)
    console.error(formatProblems(result.problems))
    return 1
  }
  console.log(`${result.roster.agents.length} agents in ${folder}:\n`)
  console.log(formatOrgChart(result.roster))
  return 0
}

async function runMigrations(): Promise<number> {
  const config = loadConfig(process.env)
  const log = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel)
  const database = await openDatabase({ databaseUrl: config.databaseUrl, home: config.home, log })
  const pool = createPool(database.url, 2)
  try {
    const result = await migrate(pool)
    console.log(result.applied.length > 0 ? `applied ${result.applied.join(', ')}` : 'the schema is up to date')
    return 0
  } finally {
    await pool.end()
    await database.stop()
  }
}

async function run(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  switch (command) {
    case 'validate':
      return validate(rest[0])
    case 'migrate':
      return runMigrations()
    case 'sandbox':
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

run(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code)
  },
  (error: unknown) => {
    console.error(error instanceof ConfigError ? `gaffer: invalid configuration\n${error.message}` : `gaffer: ${(error as Error).message}`)
    process.exit(1)
  },
)
