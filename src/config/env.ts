import { existsSync, readFileSync, statSync } from 'node:fs'
import { isIP } from 'node:net'
import { availableParallelism, homedir } from 'node:os'
import path from 'node:path'
import { z } from 'zod'
import { defaultFuses, type Fuses } from '../company/fuses.ts'
import type { OutsiderPulls } from '../company/outsider-pull.ts'
import { defaultPrices, PriceTable, type Price } from '../llm/prices.ts'
import { defaultRetention, type Retention } from '../store/retention.ts'
import { DEFAULT_MAX_PAYLOAD_BYTES } from '../web/webhook-endpoint.ts'
import { DEFAULT_MIN_FREE_BYTES, type CheckoutSettings } from '../workspace/prepare-workspace.ts'
import { NotifyChannels } from './notify-channels.ts'
import { loadRuntimes, type CliRuntimes } from './runtimes.ts'

/** Raised for configuration a person must fix; each line names one variable and the fix. */
export class ConfigError extends Error {
  readonly problems: string[]
  constructor(problems: string[]) {
    super(problems.join('\n'))
    this.name = 'ConfigError'
    this.problems = problems
  }
}

const optionalText = z
  .string()
  .transform((value) => value.trim())
  .pipe(z.string())
  .optional()
  .transform((value) => (value === '' ? undefined : value))

const url = (example: string) =>
  optionalText.refine((value) => value === undefined || URL.canParse(value), {
    message: `expected an absolute URL such as ${example}`,
  })

function json<T extends z.ZodType>(schema: T, example: string) {
  return optionalText.pipe(
    z
      .string()
      .transform((text, ctx) => {
        try {
          return JSON.parse(text) as unknown
        } catch {
          ctx.addIssue({ code: 'custom', message: `must be JSON, e.g. ${example}` })
          return z.NEVER
        }
      })
      .pipe(schema)
      .optional(),
  )
}

const FusesOverride = z
  .strictObject({
    maxDepth: z.int().min(1),
    maxChildrenPerItem: z.int().min(1),
    maxIssuesPerAgentPerHour: z.int().min(1),
    maxOpenAgentIssues: z.int().min(1),
    maxToolCallsPerTurn: z.int().min(1),
  })
  .partial()

/** A whole number of at least `min`, e.g. `GAFFER_RETENTION_AUDIT_DAYS=365`. */
const wholeNumber = (example: string, min = 1) =>
  optionalText.refine((value) => value === undefined || (/^[0-9]+$/.test(value) && Number(value) >= min), {
    message: `expected a whole number of at least ${min}, e.g. ${example}`,
  })

const EnvSchema = z.object({
  APP_ID: optionalText.refine((value) => value === undefined || /^[1-9][0-9]*$/.test(value), {
    message: 'expected the numeric App ID from the GitHub App settings page, e.g. APP_ID=123456',
  }),
  PRIVATE_KEY: optionalText,
  PRIVATE_KEY_PATH: optionalText,
  WEBHOOK_SECRET: optionalText,
  GITHUB_API_URL: url('https://api.github.com'),
  DATABASE_URL: optionalText.refine((value) => value === undefined || /^postgres(ql)?:\/\//.test(value), {
    message: 'expected a postgres:// connection string, e.g. postgres://user@127.0.0.1:5432/gaffer',
  }),
  OPENAI_API_KEY: optionalText,
  OPENAI_BASE_URL: url('http://127.0.0.1:8080/v1'),
  GAFFER_MODEL: optionalText,
  GAFFER_OWNERS: optionalText.refine((value) => value === undefined || parseOwners(value).every((login) => /^[A-Za-z0-9-]+$/.test(login)), {
    message: 'expected comma-separated GitHub logins, e.g. GAFFER_OWNERS=alice,bob',
  }),
  GAFFER_APPROVERS: optionalText.refine((value) => value === undefined || parseOwners(value).every((login) => /^[A-Za-z0-9-]+$/.test(login)), {
    message: 'expected comma-separated GitHub logins, e.g. GAFFER_APPROVERS=carol,dave',
  }),
  GAFFER_ADMIN_TOKEN: optionalText.refine((value) => value === undefined || value.length >= 16, {
    message: 'must be at least 16 characters; generate one with `openssl rand -hex 24`',
  }),
  GAFFER_HOME: optionalText,
  GAFFER_AGENTS_DIR: optionalText,
  GAFFER_EMBEDDED_DB: optionalText.pipe(z.enum(['0', '1'], { error: 'must be 1 (use an embedded Postgres under GAFFER_HOME) or 0' }).optional()),
  PORT: optionalText.refine((value) => value === undefined || (/^[0-9]+$/.test(value) && Number(value) <= 65535), {
    message: 'expected a TCP port number from 0 to 65535, e.g. PORT=3000',
  }),
  GAFFER_HOST: optionalText.refine((value) => value === undefined || isIP(value) !== 0 || /^[A-Za-z0-9.-]+$/.test(value), {
    message: 'expected an address to listen on, e.g. GAFFER_HOST=127.0.0.1 (this machine only) or GAFFER_HOST=0.0.0.0 (every interface)',
  }),
  GAFFER_PRICES: json(PriceTable, '{"my-model":{"input":0.5,"output":1.5}} (USD per 1M tokens)'),
  GAFFER_FUSES: json(FusesOverride, '{"maxDepth":4,"maxChildrenPerItem":8}'),
  GAFFER_COMMENT_ACCESS: optionalText.pipe(z.enum(['writers', 'everyone'], { error: 'must be writers or everyone' }).optional()),
  GAFFER_OUTSIDER_PULLS: optionalText.pipe(z.enum(['hold', 'route'], { error: 'must be hold or route' }).optional()),
  GAFFER_WEBHOOK_MAX_BYTES: wholeNumber('GAFFER_WEBHOOK_MAX_BYTES=5242880', 1024),
  GAFFER_RETENTION_DELIVERIES_DAYS: wholeNumber('GAFFER_RETENTION_DELIVERIES_DAYS=14'),
  GAFFER_RETENTION_RUNS_DAYS: wholeNumber('GAFFER_RETENTION_RUNS_DAYS=30'),
  GAFFER_RETENTION_AUDIT_DAYS: wholeNumber('GAFFER_RETENTION_AUDIT_DAYS=365'),
  LOG_LEVEL: optionalText.pipe(z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).optional()),
  // CLI runtimes (SPEC §14): GAFFER_RUNTIMES / GAFFER_RUNTIMES_FILE are checked by loadRuntimes.
  GAFFER_PROCESS: optionalText.pipe(
    z.enum(['web', 'worker', 'all'], { error: 'must be web (webhooks and the admin API), worker (heartbeats and CLI runs) or all' }).optional(),
  ),
  GAFFER_SANDBOX: optionalText.pipe(z.enum(['auto', 'none'], { error: 'must be auto (bubblewrap when installed) or none' }).optional()),
  GAFFER_MAX_PARALLEL: wholeNumber('GAFFER_MAX_PARALLEL=4 (items this process works at once, across all agents)'),
  GAFFER_MODEL_MAX_PARALLEL: wholeNumber('GAFFER_MODEL_MAX_PARALLEL=8 (concurrent calls to one model, shared by all replicas)'),
  GAFFER_MODEL_REQUESTS_PER_MINUTE: wholeNumber("GAFFER_MODEL_REQUESTS_PER_MINUTE=500 (your model plan's requests a minute)"),
  GAFFER_MODEL_TOKENS_PER_MINUTE: wholeNumber("GAFFER_MODEL_TOKENS_PER_MINUTE=200000 (your model plan's tokens a minute)"),
  GAFFER_GITHUB_WRITE_SPACING_MS: wholeNumber('GAFFER_GITHUB_WRITE_SPACING_MS=1000 (GitHub asks for about a second between writes)', 0),
  GAFFER_GITHUB_CONTENT_PER_MINUTE: wholeNumber('GAFFER_GITHUB_CONTENT_PER_MINUTE=80'),
  GAFFER_GITHUB_CONTENT_PER_HOUR: wholeNumber('GAFFER_GITHUB_CONTENT_PER_HOUR=500'),
  GAFFER_QUOTA: optionalText.pipe(
    z.enum(['shared', 'off'], { error: "must be shared (quota buckets in Postgres, the default) or off (Probot's throttle alone)" }).optional(),
  ),
  GAFFER_CLI_USD_PER_MINUTE: optionalText.refine((value) => value === undefined || /^[0-9]+(\.[0-9]+)?$/.test(value), {
    message: 'expected a price in USD per minute, e.g. GAFFER_CLI_USD_PER_MINUTE=0.05',
  }),
  GAFFER_GIT_TRANSPORT: optionalText.pipe(
    z
      .enum(['auto', 'git', 'api'], { error: 'must be auto (git where its URL is known), git (clone and push over HTTPS) or api (Git Data API)' })
      .optional(),
  ),
  GAFFER_GIT_URL: optionalText.superRefine((value, ctx) => {
    const problem = value === undefined ? undefined : gitUrlProblem(value)
    if (problem) ctx.addIssue({ code: 'custom', message: problem })
  }),
  GAFFER_WORKSPACE_MIN_FREE_MB: wholeNumber('GAFFER_WORKSPACE_MIN_FREE_MB=1024', 0),
  GAFFER_NOTIFY: json(
    NotifyChannels,
    '{"ops":{"kind":"webhook","url":"https://ops.example.com/gaffer","secret":"<openssl rand -hex 32>"}} (docs/configuration.md)',
  ),
  GAFFER_PUBLIC_URL: url('https://gaffer.example.com (where people reach the dashboard; notifications link to it)'),
})

export type GitHubAppCredentials = { appId: number; privateKey: string; webhookSecret: string }

export type Config = {
  /** Absent when no GitHub App is configured: `npm start` then runs the sandbox. */
  githubApp: GitHubAppCredentials | undefined
  githubApiUrl: string
  /** Absent: an embedded Postgres under `home` (the sandbox, or the app with GAFFER_EMBEDDED_DB=1). */
  databaseUrl: string | undefined
  openai: { apiKey: string | undefined; baseUrl: string | undefined; model: string }
  /** Model prices (USD per 1M tokens): the shipped table with GAFFER_PRICES on top. */
  prices: Record<string, Price>
  fuses: Fuses
  /** Whose comments agents may read: people with write access (default), or everyone. */
  commentAccess: 'writers' | 'everyone'
  /** Pull requests from people without write access: held until a writer labels or assigns them (default), or routed at once. */
  outsiderPulls: OutsiderPulls
  owners: string[]
  /** People besides writers and owners who may /approve. */
  approvers: string[]
  adminToken: string | undefined
  home: string
  /** The address the app listens on; the admin API goes without a token only on a loopback one. */
  host: string
  port: number
  /** The largest webhook body read (bytes); a larger one is refused from its Content-Length. */
  webhookMaxBytes: number
  retention: Retention
  logLevel: NonNullable<z.infer<typeof EnvSchema>['LOG_LEVEL']>
  /** Operator-defined CLI runtimes, the sandbox choice, the charge for a CLI that reports no usage, and how workspaces are checked out. */
  cli: { runtimes: CliRuntimes; sandbox: 'auto' | 'none'; usdPerMinute: number; checkout: CheckoutSettings }
  /** What this process runs: webhooks and the admin API, the heartbeats, or both (default). */
  processRole: ProcessRole
  /** The org chart of repositories without `.github/agents/` (GAFFER_AGENTS_DIR); the shipped `agents/` when absent. */
  agentsDir: string | undefined
  /** Items this process works at once across its agents, and on one model (docs/heartbeats.md). */
  parallel: { maxParallel: number; modelMaxParallel: number }
  /** Channels notifications go to (GAFFER_NOTIFY), and the dashboard's address they link to (GAFFER_PUBLIC_URL). */
  notify: { channels: NotifyChannels; publicUrl: string | undefined }
  /** The shared quota's limits and Probot's write spacing (docs/configuration.md#quota). */
  quota: QuotaLimits
}

/** What the environment sets of the shared quota (SPEC §17); the model's concurrent calls are `parallel.modelMaxParallel`. */
export type QuotaLimits = {
  enabled: boolean
  writeSpacingMs: number
  contentPerMinute: number
  contentPerHour: number
  modelRequestsPerMinute: number | undefined
  modelTokensPerMinute: number | undefined
}

/** `web` takes webhooks and serves the admin API; `worker` runs heartbeats and the sweep; `all` both. */
export type ProcessRole = 'web' | 'worker' | 'all'

const appVariables = ['APP_ID', 'PRIVATE_KEY or PRIVATE_KEY_PATH', 'WEBHOOK_SECRET'] as const

/** Reads and validates the environment of SPEC §12. Throws ConfigError listing every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const parsed = EnvSchema.safeParse(env)
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((issue) => {
        const [name, ...inner] = issue.path.map(String)
        const got = env[name!] === undefined ? '' : ` (got ${JSON.stringify(redact(name!, env[name!]))})`
        return `${name}: ${inner.length > 0 ? `${inner.join('.')}: ` : ''}${issue.message}${got}`
      })

  const raw = (name: string) => env[name]?.trim() || undefined
  const keyPath = raw('PRIVATE_KEY_PATH')
  let privateKey = raw('PRIVATE_KEY')?.replace(/\\n/g, '\n')
  if (privateKey && keyPath) {
    problems.push('PRIVATE_KEY_PATH: set either PRIVATE_KEY or PRIVATE_KEY_PATH, not both')
  } else if (keyPath) {
    if (!existsSync(keyPath) || !statSync(keyPath).isFile()) {
      problems.push(`PRIVATE_KEY_PATH: no file at ${keyPath}; point it at the .pem downloaded from the GitHub App settings`)
    } else {
      privateKey = readFileSync(keyPath, 'utf8')
    }
  }
  if (privateKey && !/-----BEGIN (RSA )?PRIVATE KEY-----/.test(privateKey)) {
    problems.push(`${keyPath ? 'PRIVATE_KEY_PATH' : 'PRIVATE_KEY'}: not a PEM private key; use the .pem file GitHub generated for the app`)
  }
  const present = [raw('APP_ID'), privateKey ?? keyPath, raw('WEBHOOK_SECRET')].map((value) => value !== undefined)
  if (present.some(Boolean) && !present.every(Boolean)) {
    const missing = appVariables.filter((_, index) => !present[index])
    problems.push(
      `${missing.join(', ')}: missing; a GitHub App needs APP_ID, PRIVATE_KEY (or PRIVATE_KEY_PATH) and WEBHOOK_SECRET together (unset all three to run the sandbox)`,
    )
  }
  const appMode = present.every(Boolean)
  if (appMode && raw('DATABASE_URL') === undefined && raw('GAFFER_EMBEDDED_DB') !== '1') {
    // An embedded database lives in the container's or the host's files: a restarted
    // container loses it, and each replica would get its own.
    problems.push(
      'DATABASE_URL: missing; the GitHub App needs a Postgres that outlives the process: set DATABASE_URL=postgres://user@host:5432/gaffer, or GAFFER_EMBEDDED_DB=1 to keep an embedded Postgres under GAFFER_HOME on purpose (one replica only)',
    )
  }
  const role = raw('GAFFER_PROCESS')
  if ((role === 'web' || role === 'worker') && (!appMode || raw('DATABASE_URL') === undefined)) {
    // Web and worker processes meet only in Postgres: an embedded one is private to each process.
    problems.push(
      `GAFFER_PROCESS: ${role} runs beside other Gaffer processes sharing one database; it needs the GitHub App (APP_ID, PRIVATE_KEY, WEBHOOK_SECRET) and DATABASE_URL, or unset GAFFER_PROCESS to run everything in one process`,
    )
  }
  const agentsDir = raw('GAFFER_AGENTS_DIR')
  if (agentsDir !== undefined && !(existsSync(agentsDir) && statSync(agentsDir).isDirectory())) {
    problems.push(
      `GAFFER_AGENTS_DIR: no folder at ${agentsDir}; point it at a folder of <slug>/AGENTS.md files (check it with gaffer validate <dir>)`,
    )
  }
  const cliRuntimes = loadRuntimes(env)
  problems.push(...cliRuntimes.problems)
  if (raw('GAFFER_GIT_URL') !== undefined && raw('GAFFER_GIT_TRANSPORT') === 'api') {
    problems.push('GAFFER_GIT_URL: set, but GAFFER_GIT_TRANSPORT=api never uses git; unset one of them')
  }
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems)
  const e = parsed.data

  return {
    githubApp: e.APP_ID && privateKey && e.WEBHOOK_SECRET ? { appId: Number(e.APP_ID), privateKey, webhookSecret: e.WEBHOOK_SECRET } : undefined,
    githubApiUrl: (e.GITHUB_API_URL ?? 'https://api.github.com').replace(/\/+$/, ''),
    databaseUrl: e.DATABASE_URL,
    openai: { apiKey: e.OPENAI_API_KEY, baseUrl: e.OPENAI_BASE_URL, model: e.GAFFER_MODEL ?? 'gpt-4.1-mini' },
    prices: { ...defaultPrices, ...e.GAFFER_PRICES },
    fuses: { ...defaultFuses, ...e.GAFFER_FUSES },
    commentAccess: e.GAFFER_COMMENT_ACCESS ?? 'writers',
    outsiderPulls: e.GAFFER_OUTSIDER_PULLS ?? 'hold',
    owners: parseOwners(e.GAFFER_OWNERS),
    approvers: parseOwners(e.GAFFER_APPROVERS),
    adminToken: e.GAFFER_ADMIN_TOKEN,
    home: path.resolve(e.GAFFER_HOME ?? path.join(homedir(), '.gaffer')),
    host: e.GAFFER_HOST ?? '0.0.0.0',
    port: e.PORT === undefined ? 3000 : Number(e.PORT),
    logLevel: e.LOG_LEVEL ?? 'info',
    webhookMaxBytes: e.GAFFER_WEBHOOK_MAX_BYTES === undefined ? DEFAULT_MAX_PAYLOAD_BYTES : Number(e.GAFFER_WEBHOOK_MAX_BYTES),
    retention: {
      deliveriesDays: days(e.GAFFER_RETENTION_DELIVERIES_DAYS, defaultRetention.deliveriesDays),
      runsDays: days(e.GAFFER_RETENTION_RUNS_DAYS, defaultRetention.runsDays),
      auditDays: days(e.GAFFER_RETENTION_AUDIT_DAYS, defaultRetention.auditDays),
    },
    cli: {
      runtimes: cliRuntimes.runtimes,
      sandbox: e.GAFFER_SANDBOX ?? 'auto',
      usdPerMinute: Number(e.GAFFER_CLI_USD_PER_MINUTE ?? 0),
      checkout: {
        gitTransport: e.GAFFER_GIT_TRANSPORT ?? 'auto',
        ...(e.GAFFER_GIT_URL === undefined ? {} : { gitBaseUrl: e.GAFFER_GIT_URL.replace(/\/+$/, '') }),
        minFreeBytes: e.GAFFER_WORKSPACE_MIN_FREE_MB === undefined ? DEFAULT_MIN_FREE_BYTES : Number(e.GAFFER_WORKSPACE_MIN_FREE_MB) * 1024 ** 2,
      },
    },
    processRole: e.GAFFER_PROCESS ?? 'all',
    agentsDir: e.GAFFER_AGENTS_DIR === undefined ? undefined : path.resolve(e.GAFFER_AGENTS_DIR),
    parallel: {
      maxParallel:
        e.GAFFER_MAX_PARALLEL === undefined ? defaultMaxParallel(Object.keys(cliRuntimes.runtimes).length > 0) : Number(e.GAFFER_MAX_PARALLEL),
      modelMaxParallel: e.GAFFER_MODEL_MAX_PARALLEL === undefined ? DEFAULT_MODEL_MAX_PARALLEL : Number(e.GAFFER_MODEL_MAX_PARALLEL),
    },
    quota: {
      enabled: e.GAFFER_QUOTA !== 'off',
      writeSpacingMs: e.GAFFER_GITHUB_WRITE_SPACING_MS === undefined ? 1_000 : Number(e.GAFFER_GITHUB_WRITE_SPACING_MS),
      contentPerMinute: e.GAFFER_GITHUB_CONTENT_PER_MINUTE === undefined ? 80 : Number(e.GAFFER_GITHUB_CONTENT_PER_MINUTE),
      contentPerHour: e.GAFFER_GITHUB_CONTENT_PER_HOUR === undefined ? 500 : Number(e.GAFFER_GITHUB_CONTENT_PER_HOUR),
      modelRequestsPerMinute: e.GAFFER_MODEL_REQUESTS_PER_MINUTE === undefined ? undefined : Number(e.GAFFER_MODEL_REQUESTS_PER_MINUTE),
      modelTokensPerMinute: e.GAFFER_MODEL_TOKENS_PER_MINUTE === undefined ? undefined : Number(e.GAFFER_MODEL_TOKENS_PER_MINUTE),
    },
    notify: { channels: e.GAFFER_NOTIFY ?? {}, publicUrl: e.GAFFER_PUBLIC_URL?.replace(/\/+$/, '') },
  }
}

/**
 * Why a git base URL cannot be used, or undefined: git sends the installation token to
 * it, so it must be HTTPS (plain HTTP only to this machine), and hold no credentials.
 */
function gitUrlProblem(value: string): string | undefined {
  const example = 'e.g. GAFFER_GIT_URL=https://github.example.com (repositories are <url>/<owner>/<repo>.git)'
  if (!URL.canParse(value)) return `expected an absolute URL, ${example}`
  const url = new URL(value)
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname) || /^127\.\d+\.\d+\.\d+$/.test(url.hostname)
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback))
    return `must be an https:// URL (git sends the installation token there; plain http:// only to this machine), ${example}`
  if (url.username !== '' || url.password !== '')
    return `must not hold a user or password; Gaffer gives git the installation token itself, ${example}`
  if (url.search !== '' || url.hash !== '') return `must not have a query or fragment, ${example}`
  return undefined
}

/** Items one process works at once on one model unless GAFFER_MODEL_MAX_PARALLEL says otherwise. */
export const DEFAULT_MODEL_MAX_PARALLEL = 8

/**
 * Items one process works at once unless GAFFER_MAX_PARALLEL says otherwise: one per CPU
 * when CLI runtimes are defined (each CLI run builds and tests on this machine), four per
 * CPU otherwise (a chat run spends its time waiting on the model and GitHub).
 */
export function defaultMaxParallel(cliRuntimes: boolean): number {
  return availableParallelism() * (cliRuntimes ? 1 : 4)
}

function days(value: string | undefined, fallback: number): number {
  return value === undefined ? fallback : Number(value)
}

function parseOwners(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((login) => login.trim().replace(/^@/, ''))
    .filter(Boolean)
}

/** Secrets never appear in an error: tokens and keys are hidden, and so is a password inside a URL. */
function redact(name: string, value: string | undefined): string | undefined {
  // GAFFER_NOTIFY holds webhook secrets, Slack's secret URLs and Telegram's bot tokens.
  if (/KEY|SECRET|TOKEN|NOTIFY/.test(name)) return '[redacted]'
  return value?.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]+:)[^@]*@/i, '$1[redacted]@')
}
