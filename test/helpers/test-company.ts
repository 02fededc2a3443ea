import { randomUUID } from 'node:crypto'
import { Octokit } from '@octokit/rest'
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest'
import { startGaffer, type Gaffer } from '../../src/gaffer.ts'
import type { GafferOptions } from '../../src/gaffer-options.ts'
import { createLogger } from '../../src/log.ts'
import { freePort } from '../../src/net/free-port.ts'
import { createPool, type Pool } from '../../src/store/pool.ts'
import { startEmulatedGitHub, type EmulatedAppRegistration, type EmulatedGitHub } from '../../src/sandbox/emulated-github.ts'
import { WEBHOOK_PATH } from '../../src/web/http-server.ts'
import { createTestDatabase, type TestDatabase } from './database.ts'
import { startGitHubProxy, type GitHubProxy, type Intercept } from './github-proxy.ts'
import { startScriptedModel, type ScriptedModel, type Step } from './scripted-model.ts'

/** How long `expect.poll` waits for Gaffer to react to something done on the emulated GitHub. */
export const poll = { timeout: 20_000, interval: 100 }

/**
 * What a test may set when it starts a replica; the rest is the test company's own. A
 * `pool` replaces the company's own: one on its database reached another way (a relay
 * the test can cut), which the test ends itself.
 */
export type AppOptions = Partial<Omit<GafferOptions, 'app' | 'port'>>

export type TestCompany = {
  github: EmulatedGitHub
  db: TestDatabase
  port: number
  owner: string
  repo: string
  /** The maintainer (write access) and the outsider, as GitHub clients. */
  maya: Octokit
  oscar: Octokit
  gaffer: Gaffer | undefined
  /**
   * Starts a replica; by default without cron heartbeats, wakes or the priority judge's timer,
   * so tests drive heartbeats (and `judgePriorities`) themselves. `githubApiUrl` may point at a proxy in front of the emulator; `log` replaces the silent logger.
   */
  startApp(options?: AppOptions): Promise<Gaffer>
  stopApp(): Promise<void>
  stop(): Promise<void>
}

/**
 * The emulated GitHub of the sandbox, a fresh database and (once `startApp` runs) a
 * Gaffer replica receiving the emulator's signed webhooks on a fixed port.
 */
export async function createTestCompany(options: { registration?: EmulatedAppRegistration; tenants?: boolean } = {}): Promise<TestCompany> {
  const port = await freePort()
  const github = await startEmulatedGitHub({ webhookUrl: `http://127.0.0.1:${port}${WEBHOOK_PATH}`, ...options })
  const db = await createTestDatabase()
  const [owner, repo] = github.repository.split('/') as [string, string]
  const company: TestCompany = {
    github,
    db,
    port,
    owner,
    repo,
    maya: new Octokit({ baseUrl: github.url, auth: github.maintainer.token }),
    oscar: new Octokit({ baseUrl: github.url, auth: github.outsider.token }),
    gaffer: undefined,
    async startApp(options = {}) {
      company.gaffer = await startGaffer({
        app: github.app,
        githubApiUrl: github.url,
        pool: db.pool,
        log: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'),
        port,
        host: '127.0.0.1',
        adminToken: undefined,
        ...options,
        // No priority judge on a timer: it would take scripted model answers meant for agents.
        settings: { schedule: false, wakes: false, priorityPollMs: 3_600_000, ...options.settings },
      })
      return company.gaffer
    },
    async stopApp() {
      await company.gaffer?.stop()
      company.gaffer = undefined
    },
    async stop() {
      await company.stopApp()
      await github.emulator.close()
      await db.drop()
    },
  }
  return company
}

/** Labels of an issue as GitHub has them now. */
export async function labelsOnGitHub(company: TestCompany, number: number): Promise<string[]> {
  const { data } = await company.maya.issues.get({ owner: company.owner, repo: company.repo, issue_number: number })
  return data.labels.map((label) => (typeof label === 'string' ? label : (label.name ?? ''))).sort()
}

/** A file's text on a branch as GitHub has it now, or undefined when the branch has no such file. */
export async function fileOnGitHub(company: TestCompany, branch: string, file: string): Promise<string | undefined> {
  try {
    const { data } = await company.maya.repos.getContent({ owner: company.owner, repo: company.repo, path: file, ref: branch })
    return Buffer.from((data as { content: string }).content, 'base64').toString()
  } catch (error) {
    if ((error as { status?: number }).status === 404) return undefined
    throw error
  }
}

/**
 * Comments as one of the demo people and waits until Gaffer has processed the comment's
 * webhook; on the demo repository unless `repository` names another (`c.github.tenants`).
 */
export async function commentAs(
  company: TestCompany,
  who: 'maya' | 'oscar',
  number: number,
  body: string,
  repository: string = company.github.repository,
): Promise<number> {
  const [owner, repo] = repository.split('/') as [string, string]
  const { data } = await company[who].issues.createComment({ owner, repo, issue_number: number, body })
  const processed = async () =>
    (await company.db.pool.query('select 1 from webhook_deliveries where processed_at is not null and payload @> $1', [{ comment: { id: data.id } }]))
      .rowCount
  for (let tries = 0; tries < 200 && (await processed()) !== 1; tries += 1) await new Promise((resolve) => setTimeout(resolve, 100))
  // A check that something did not happen means nothing unless the comment was processed.
  if ((await processed()) !== 1) throw new Error(`Gaffer never processed the webhook of comment ${data.id} on #${number}`)
  await company.gaffer?.deliveries.idle()
  return data.id
}

/**
 * Waits until the webhooks GitHub sent have all been processed and no new one arrived for
 * a moment: a heartbeat run while the echo of a routing write is still being mirrored may
 * find the item's row busy and pass it by (the claim skips rows being written), which a
 * test that expects that item claimed must not race with.
 */
export async function settleWebhooks(company: TestCompany): Promise<void> {
  const unsettled = async () =>
    (await company.db.pool.query<{ n: number }>('select count(*)::int as n from webhook_deliveries where processed_at is null and dead_at is null'))
      .rows[0]!.n
  const received = async () => (await company.db.pool.query<{ n: number }>('select count(*)::int as n from webhook_deliveries')).rows[0]!.n
  for (let tries = 0, seen = -1; tries < 100; tries += 1) {
    await company.gaffer?.deliveries.idle()
    const now = await received()
    if (now === seen && (await unsettled()) === 0) return
    seen = now
    await new Promise((resolve) => setTimeout(resolve, 300))
  }
  throw new Error('the webhooks never settled: deliveries kept arriving or stayed unprocessed')
}

/**
 * Opens an issue as maya, waits until the mirror holds it at `status` and every webhook its
 * labels caused has been processed: a heartbeat started before that may find the row busy
 * and pass it by, so a test that runs one right after must open its issue through here.
 */
export async function openSettledIssue(
  company: TestCompany,
  issue: { title: string; labels?: string[]; body?: string },
  status = 'todo',
): Promise<number> {
  const { data } = await company.maya.issues.create({ owner: company.owner, repo: company.repo, body: 'Details.', ...issue })
  const mirrored = async () =>
    (
      await company.db.pool.query<{ status: string }>('select status from work_items where repository = $1 and number = $2', [
        company.github.repository,
        data.number,
      ])
    ).rows[0]?.status
  for (let tries = 0; tries < 200 && (await mirrored()) !== status; tries += 1) await new Promise((resolve) => setTimeout(resolve, 100))
  const found = await mirrored()
  if (found !== status) throw new Error(`Gaffer mirrored #${data.number} as ${found ?? 'nothing'}, not ${status}`)
  await settleWebhooks(company)
  return data.number
}

/**
 * Opens an issue as the app itself (its installation, so its bot login is the author),
 * the only author whose marker Gaffer believes, and waits until the mirror has it.
 */
export async function openIssueAsApp(company: TestCompany, issue: { title: string; labels?: string[]; body?: string }): Promise<number> {
  if (!company.gaffer) throw new Error('start the app before opening an issue as the app')
  const octokit = await company.gaffer.probot.auth(company.github.app.installationId)
  const { data } = await octokit.request('POST /repos/{owner}/{repo}/issues', { owner: company.owner, repo: company.repo, labels: [], ...issue })
  const mirrored = async () =>
    (await company.db.pool.query('select 1 from work_items where repository = $1 and number = $2', [company.github.repository, data.number])).rowCount
  for (let tries = 0; tries < 200 && (await mirrored()) !== 1; tries += 1) await new Promise((resolve) => setTimeout(resolve, 100))
  if ((await mirrored()) !== 1) throw new Error(`Gaffer never mirrored #${data.number}, opened as the app`)
  await company.gaffer.deliveries.idle()
  return data.number
}

export type UseTestCompanyOptions = {
  /**
   * Starts a scripted model server and points the app's model at it. `true` uses the
   * settings most tests want (no retries); an object overrides some of them, and its
   * `whenIdle` is what the server answers with its script empty and `delayMs` how long
   * each answer takes (see `startScriptedModel`).
   */
  model?: true | (Partial<NonNullable<GafferOptions['model']>> & { whenIdle?: Step; delayMs?: number })
  /**
   * Puts a recording proxy in front of the emulated GitHub and has the app talk through it;
   * a function answers some requests itself (see `startGitHubProxy`).
   */
  proxy?: true | Intercept
  /**
   * How the app starts once everything else runs: its options, a function that computes
   * them, or `false` to leave starting it to the tests.
   */
  app?: AppOptions | (() => Promise<AppOptions>) | false
  /** A fresh company for every test (beforeEach/afterEach) instead of one for the whole describe. */
  perTest?: boolean
  /** The App's permissions and events on the emulated GitHub, instead of app.yml's. */
  registration?: EmulatedAppRegistration
  /**
   * Two more companies on the emulated GitHub (`c.github.tenants`): a second repository of
   * the same installation and a second organization with its own installation.
   */
  tenants?: boolean
}

export type UsedTestCompany = TestCompany & {
  /** The scripted model server; only with `model` in the options. */
  model: ScriptedModel
  /** The recording proxy in front of the emulated GitHub; only with `proxy` in the options. */
  proxy: GitHubProxy
}

/** What a test file gets from `useTestCompany` when it asks for no model. */
const modelDefaults = { apiKey: 'k', defaultModel: 'gpt-4.1-mini', maxRetries: 0 }

/**
 * Registers the vitest hooks that build a company (emulated GitHub, fresh database, and
 * as asked a scripted model, a proxy and a running replica) before the tests of the
 * enclosing describe and take it down after them, so no test file repeats that setup.
 *
 * The returned object is usable from tests and hooks: it reads through to the company of
 * the moment, which the hooks replace, so `c.maya` or `c.gaffer` are never stale.
 */
export function useTestCompany(options: UseTestCompanyOptions = {}): UsedTestCompany {
  let model: ScriptedModel | undefined
  let proxy: GitHubProxy | undefined
  let company: TestCompany | undefined
  const [setUp, tearDown] = options.perTest ? [beforeEach, afterEach] : [beforeAll, afterAll]

  setUp(async () => {
    const { whenIdle, delayMs, ...modelSettings } = options.model === true ? {} : (options.model ?? {})
    if (options.model) model = await startScriptedModel({ whenIdle, delayMs })
    company = await createTestCompany({ registration: options.registration, tenants: options.tenants })
    if (options.proxy) proxy = await startGitHubProxy(company.github.url, options.proxy === true ? undefined : options.proxy)
    if (options.app === false) return
    const app = typeof options.app === 'function' ? await options.app() : (options.app ?? {})
    await company.startApp({
      ...(proxy && { githubApiUrl: proxy.url }),
      ...(model && { model: { ...modelDefaults, ...modelSettings, baseUrl: model.url } }),
      ...app,
    })
  })
  // Torn down even when the set-up failed half-way, in reverse order of starting.
  tearDown(async () => {
    await company?.stop()
    await proxy?.close()
    await model?.close()
    company = proxy = model = undefined
  })

  return new Proxy({} as UsedTestCompany, {
    get(_, key) {
      if (key === 'model') return model ?? missing('a scripted model', 'model: true')
      if (key === 'proxy') return proxy ?? missing('a GitHub proxy', 'proxy: true')
      if (company) return Reflect.get(company, key)
      // Symbols and `then` are asked by inspectors and `await`, which must not throw.
      if (typeof key === 'symbol' || key === 'then') return undefined
      throw new Error(
        `the test company is not built yet when reading \`${key}\`: use it inside a test or a hook, not while the describe block is collected`,
      )
    },
  })
}

function missing(what: string, option: string): never {
  throw new Error(`this test company has no ${what}: pass \`${option}\` to useTestCompany`)
}

/** A webhook body as GitHub would send it to the company's replica, signed with the app's secret unless told otherwise. */
export async function deliverWebhook(company: TestCompany, event: string, body: string, options: { id?: string; signature?: string } = {}) {
  const signature = options.signature ?? (await company.gaffer!.probot.webhooks.sign(body))
  return fetch(`http://127.0.0.1:${company.port}/api/github/webhooks`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': event,
      'x-github-delivery': options.id ?? randomUUID(),
      'x-hub-signature-256': signature,
    },
    body,
  })
}

/** The issues.labeled payload for an existing issue, with `labels` as its label set (the last one the label just added). */
export async function labeledPayload(
  company: TestCompany,
  number: number,
  labels: string[],
  sender: { login: string; type: string } = { login: company.github.maintainer.login, type: 'User' },
) {
  const { data: issue } = await company.maya.issues.get({ owner: company.owner, repo: company.repo, issue_number: number })
  const { data: repo } = await company.maya.repos.get({ owner: company.owner, repo: company.repo })
  return {
    action: 'labeled',
    issue: { ...issue, labels: labels.map((name) => ({ name })) },
    label: { name: labels.at(-1) },
    repository: repo,
    sender,
    installation: { id: company.github.app.installationId },
  }
}

/**
 * A pull request as a person opens one: a branch from main with one commit (made by maya,
 * who may push; the emulated GitHub has no forks), opened by `by`, on the demo repository
 * unless `repository` names another (`c.github.tenants`). Returns its number.
 */
export async function openPullRequest(
  company: TestCompany,
  pull: { by: 'maya' | 'oscar'; branch: string; title: string; body?: string; repository?: string },
): Promise<number> {
  const [owner, repo] = (pull.repository ?? company.github.repository).split('/') as [string, string]
  const at = { owner, repo }
  const { data: main } = await company.maya.git.getRef({ ...at, ref: 'heads/main' })
  await company.maya.git.createRef({ ...at, ref: `refs/heads/${pull.branch}`, sha: main.object.sha })
  await company.maya.repos.createOrUpdateFileContents({
    ...at,
    path: `${pull.branch}.md`,
    message: pull.title,
    content: Buffer.from(`${pull.title}\n`).toString('base64'),
    branch: pull.branch,
  })
  const { data } = await company[pull.by].pulls.create({ ...at, title: pull.title, head: pull.branch, base: 'main', body: pull.body ?? '' })
  return data.number
}

/**
 * A second replica of the company's app on the same database (and the same emulated
 * GitHub), started after the company's and, as vitest runs afterAll hooks in reverse,
 * stopped before the company's database is dropped. Its fields are filled in beforeAll.
 */
export function useSecondReplica(company: TestCompany, options: AppOptions): { gaffer: Gaffer; pool: Pool } {
  const replica = {} as { gaffer: Gaffer; pool: Pool }
  beforeAll(async () => {
    replica.pool = createPool(company.db.url)
    replica.gaffer = await startGaffer({
      app: company.github.app,
      githubApiUrl: company.github.url,
      pool: replica.pool,
      log: createLogger('silent'),
      port: 0,
      host: '127.0.0.1',
      adminToken: undefined,
      ...options,
    })
  })
  afterAll(async () => {
    await replica.gaffer?.stop()
    await replica.pool?.end()
  })
  return replica
}
