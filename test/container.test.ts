import { generateKeyPairSync } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse as parseYaml } from 'yaml'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { appManifestPath } from '../src/config/app-manifest.ts'
import { loadConfig } from '../src/config/env.ts'
import { defaultSettings } from '../src/gaffer-options.ts'
import { shippedAgentsDir } from '../src/roster/load-roster.ts'
import { migrationsDir } from '../src/store/migrate.ts'
import { runToEnd, startUntil } from './helpers/run-process.ts'
import { useTestCompany } from './helpers/test-company.ts'

// No Docker engine runs where the tests run: these tests read the Dockerfile and
// compose.yaml, check them against the app, and run the image's command and health check
// against a real app process the way the container would.

const root = fileURLToPath(new URL('..', import.meta.url))
const read = (file: string) => readFileSync(path.join(root, file), 'utf8')
const packageJson = JSON.parse(read('package.json')) as { scripts: Record<string, string>; devDependencies: Record<string, string> }
const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, { dev?: boolean; hasInstallScript?: boolean }> }

type Instruction = { name: string; args: string }

/** The Dockerfile's instructions, continuation lines joined, comments dropped. */
function dockerfile(): Instruction[] {
  return read('Dockerfile')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [name, ...rest] = line.split(/\s+/)
      return { name: name!.toUpperCase(), args: rest.join(' ') }
    })
}
const instructions = dockerfile()
const all = (name: string) => instructions.filter((instruction) => instruction.name === name).map((instruction) => instruction.args)
const only = (name: string) => {
  const found = all(name)
  expect(found, `one ${name} in the Dockerfile`).toHaveLength(1)
  return found[0]!
}
const imageEnv = (): Record<string, string> =>
  Object.fromEntries(all('ENV').flatMap((args) => [...args.matchAll(/([A-Z_][A-Z0-9_]*)=(\S+)/g)].map((m) => [m[1]!, m[2]!])))
const command = () => JSON.parse(only('CMD')) as string[]
const healthCheck = () => JSON.parse(/\bCMD\s+(\[.*\])$/.exec(only('HEALTHCHECK'))![1]!) as string[]
/** What the image holds of the repository: the sources of its COPY instructions (the last argument is the destination). */
const copied = () => all('COPY').flatMap((args) => args.split(/\s+/).slice(0, -1))

/** What a process loaded, from the URLs record-modules.ts wrote: the repository's own files, and the packages of node_modules. */
function loadedFiles(modules: readonly string[]): { own: string[]; packages: Set<string> } {
  const files = modules.filter((url) => url.startsWith('file:')).map((url) => path.relative(root, fileURLToPath(url)))
  return {
    own: files.filter((file) => !file.startsWith('node_modules/') && !file.startsWith('..')),
    packages: new Set(files.flatMap((file) => /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(file)?.[1] ?? [])),
  }
}

/** The loaded packages `npm ci --omit=dev` does not install. */
const developmentPackages = (packages: Set<string>) =>
  [...packages].filter((key) => lock.packages[key] === undefined || lock.packages[key].dev === true)

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
/** What an operator's .env holds (docs/deploy.md), with values that pass the configuration's checks. */
const dotEnv = {
  APP_ID: '123456',
  PRIVATE_KEY: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
  WEBHOOK_SECRET: 'webhook-secret-value',
  POSTGRES_PASSWORD: 'postgres-password-value',
}

/** Compose's `${VAR}`, `${VAR:-default}` and `${VAR:?error}` against `env`. */
function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(/\$\{([A-Z_][A-Z0-9_]*)(?::([-?])([^}]*))?\}/g, (_, name: string, kind: string | undefined, text: string) => {
    if (env[name] !== undefined && env[name] !== '') return env[name]
    if (kind === '?') throw new Error(text)
    return kind === '-' ? text : ''
  })
}

type Service = {
  build?: string
  image?: string
  env_file?: string
  environment?: Record<string, string>
  ports?: string[]
  volumes?: string[]
  depends_on?: Record<string, { condition: string }>
  healthcheck?: { test: string[] }
  stop_grace_period?: string
}
const compose = () => parseYaml(read('compose.yaml'), { merge: true }) as { services: Record<string, Service>; volumes: Record<string, unknown> }

/** The environment a compose service's container gets: the image's, then .env, then the service's own. */
function containerEnv(service: Service): Record<string, string> {
  const own = Object.fromEntries(Object.entries(service.environment ?? {}).map(([name, value]) => [name, interpolate(String(value), dotEnv)]))
  return { ...imageEnv(), ...(service.env_file === '.env' ? dotEnv : {}), ...own }
}

describe('the Dockerfile agrees with the app', () => {
  it('builds on the Node major the project runs on and installs production dependencies only, none of which has an install script', () => {
    const nodeMajor = /(\d+)/.exec(packageJson.devDependencies.node!)![1]
    const productionScripts = Object.entries(lock.packages).filter(([key, entry]) => key !== '' && !entry.dev && entry.hasInstallScript)

    expect(only('FROM')).toBe(`node:${nodeMajor}-slim`)
    expect(all('RUN').some((run) => /\bnpm ci --omit=dev\b/.test(run))).toBe(true)
    expect(productionScripts.map(([key]) => key)).toEqual([])
  })

  it('runs the command of npm start as PID 1 (exec form), as a user who is not root, stopped by SIGTERM', () => {
    const user = only('USER')

    expect(command()).toEqual(packageJson.scripts.start!.split(' '))
    expect(user).not.toMatch(/^(root|0)(:|$)/)
    expect(only('STOPSIGNAL')).toBe('SIGTERM')
  })

  it('exposes the port the app listens on with the image environment, and checks health on /healthz', () => {
    const config = loadConfig({ ...imageEnv(), ...dotEnv, DATABASE_URL: 'postgres://gaffer@postgres:5432/gaffer' })

    expect(only('EXPOSE')).toBe(String(config.port))
    expect(config.host).toBe('0.0.0.0')
    expect(healthCheck().join(' ')).toContain('/healthz')
    expect(config.home).toBe(imageEnv().GAFFER_HOME)
  })

  it('keeps secrets and local state out of the build context', () => {
    const ignored = read('.dockerignore').split('\n')

    expect(ignored).toEqual(expect.arrayContaining(['.env', '*.pem', 'node_modules', '.gaffer']))
  })
})

describe('compose.yaml agrees with the Dockerfile and the app', () => {
  it('runs the image as a web process and a worker, each with a configuration the app accepts', () => {
    const { services } = compose()
    const web = loadConfig(containerEnv(services.gaffer!))
    const worker = loadConfig(containerEnv(services.worker!))

    expect(services.gaffer!.build).toBe('.')
    expect(services.worker!.image).toBe(services.gaffer!.image)
    expect(web.processRole).toBe('web')
    expect(worker.processRole).toBe('worker')
    expect(services.gaffer!.ports).toEqual([`${web.port}:${only('EXPOSE')}`])
    expect(services.gaffer!.volumes).toEqual([expect.stringMatching(new RegExp(`^[a-z-]+:${imageEnv().GAFFER_HOME}$`))])
  })

  it('points both at the Postgres 17 service, with its data on a named volume, once it is healthy', () => {
    const { services, volumes } = compose()
    const postgres = services.postgres!
    const url = new URL(loadConfig(containerEnv(services.gaffer!)).databaseUrl!)
    const [volume, target] = postgres.volumes![0]!.split(':')

    expect(postgres.image).toBe('postgres:17')
    expect(target).toBe('/var/lib/postgresql/data')
    expect(volumes).toHaveProperty(volume!)
    expect(url.hostname).toBe('postgres')
    expect(url.port).toBe('5432')
    expect(url.username).toBe(postgres.environment!.POSTGRES_USER)
    expect(url.pathname).toBe(`/${postgres.environment!.POSTGRES_DB}`)
    expect(url.password).toBe(dotEnv.POSTGRES_PASSWORD)
    expect(postgres.healthcheck!.test.join(' ')).toContain('pg_isready')
    for (const name of ['gaffer', 'worker']) expect(services[name]!.depends_on).toEqual({ postgres: { condition: 'service_healthy' } })
  })

  it("refuses to start without POSTGRES_PASSWORD, and waits longer for a stop than Gaffer's graceful stop takes", () => {
    const { services } = compose()
    const grace = Number(/^(\d+)s$/.exec(services.gaffer!.stop_grace_period!)![1]) * 1000
    // Heartbeats get the grace, then up to max(grace, 10 s) to hand claims back; deliveries get the grace.
    const longestStop = defaultSettings.stopGraceMs + Math.max(defaultSettings.stopGraceMs, 10_000) + defaultSettings.stopGraceMs

    expect(() => interpolate(String(services.gaffer!.environment!.DATABASE_URL), {})).toThrow('set POSTGRES_PASSWORD in .env')
    expect(services.worker!.stop_grace_period).toBe(services.gaffer!.stop_grace_period)
    expect(grace).toBeGreaterThan(longestStop)
  })
})

describe("the image's command, run as the container runs it, against the emulated GitHub", () => {
  const c = useTestCompany({ app: false })
  let dir: string
  let modules: string[] = []
  let healthAfterStop: number | null
  let started: Awaited<ReturnType<typeof startUntil>>
  let healthWhileUp: number | null
  let readyWhileUp: number
  let exitCode: number | null
  const healthCheckRun = () => {
    const [program, ...args] = healthCheck()
    expect(program).toBe('node')
    return runToEnd(process.execPath, args, { PATH: process.env.PATH, PORT: String(c.port) })
  }

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'gaffer-container-'))
    const [program, ...args] = command()
    expect(program).toBe('node')
    const recorded = path.join(dir, 'modules.txt')
    started = await startUntil(
      process.execPath,
      args,
      {
        PATH: process.env.PATH,
        ...imageEnv(),
        // Where this test can reach it: the emulated GitHub sends its webhooks to this port.
        PORT: String(c.port),
        GAFFER_HOST: '127.0.0.1',
        GAFFER_HOME: dir,
        APP_ID: String(c.github.app.appId),
        PRIVATE_KEY: c.github.app.privateKey,
        WEBHOOK_SECRET: c.github.app.webhookSecret,
        GITHUB_API_URL: c.github.url,
        DATABASE_URL: c.db.url,
        LOG_LEVEL: 'info',
        NODE_OPTIONS: `--import=${path.join(root, 'test/fixtures/record-modules.ts')}`,
        GAFFER_RECORD_MODULES: recorded,
      },
      'gaffer is listening',
      60_000,
    )
    healthWhileUp = (await healthCheckRun()).code
    readyWhileUp = (await fetch(`http://127.0.0.1:${c.port}/readyz`)).status
    started.child.kill('SIGTERM')
    exitCode = await started.exited
    healthAfterStop = (await healthCheckRun()).code
    modules = (await readFile(recorded, 'utf8')).split('\n').filter(Boolean)
  }, 90_000)
  afterAll(async () => {
    if (started?.child.exitCode === null) started.child.kill('SIGKILL')
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('serves the GitHub App: the health check passes while it runs and fails once it stopped; it is ready; SIGTERM stops it cleanly', () => {
    expect(healthWhileUp).toBe(0)
    expect(readyWhileUp).toBe(200)
    expect(exitCode).toBe(0)
    expect(healthAfterStop).not.toBe(0)
  })

  it('loads no part of the sandbox and no development dependency, and nothing of the repository the image does not copy', () => {
    const { own, packages } = loadedFiles(modules)

    // The record is real: the entry point and the app's own dependencies are in it.
    expect(own).toContain('src/main.ts')
    expect(packages).toContain('node_modules/probot')
    expect(packages).toContain('node_modules/prom-client')
    expect(own.filter((file) => file.startsWith('src/sandbox/'))).toEqual([])
    expect(developmentPackages(packages)).toEqual([])
    expect(own.filter((file) => !copied().some((source) => file === source || file.startsWith(`${source}/`)))).toEqual([])
    // Read as files, not imported: the shipped org, the migrations and the App manifest (doctor, register).
    expect(copied()).toEqual(expect.arrayContaining([shippedAgentsDir, migrationsDir, appManifestPath].map((dir) => path.relative(root, dir))))
  })
})

describe('the gaffer command in the image (`docker compose run gaffer node src/cli/gaffer.ts …`)', () => {
  it('loads no development dependency: every command (doctor, migrate, register, validate, …) works in a production install', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'gaffer-container-cli-'))
    const recorded = path.join(dir, 'modules.txt')
    try {
      // validate needs neither a database nor GitHub, and the command imports every other command's module up front.
      const run = await runToEnd(
        process.execPath,
        ['src/cli/gaffer.ts', 'validate'],
        {
          PATH: process.env.PATH,
          ...imageEnv(),
          GAFFER_HOME: dir,
          NODE_OPTIONS: `--import=${path.join(root, 'test/fixtures/record-modules.ts')}`,
          GAFFER_RECORD_MODULES: recorded,
        },
        root,
      )
      const { own, packages } = loadedFiles((await readFile(recorded, 'utf8')).split('\n').filter(Boolean))

      expect(run.code, run.stderr).toBe(0)
      expect(own).toEqual(expect.arrayContaining(['src/cli/gaffer.ts', 'src/cli/doctor-command.ts', 'src/cli/register-command.ts']))
      expect(developmentPackages(packages)).toEqual([])
      expect(own.filter((file) => file.startsWith('src/sandbox/'))).toEqual([])
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
