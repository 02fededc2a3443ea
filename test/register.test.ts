import { request } from 'node:http'
import { mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseEnv } from 'node:util'
import type { Browser } from 'playwright-core'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { readAppManifest, type AppManifest } from '../src/config/app-manifest.ts'
import { loadConfig } from '../src/config/env.ts'
import { envFileText } from '../src/register/env-file-text.ts'
import { parseWebhookUrl } from '../src/register/registration-manifest.ts'
import { registrationTarget, type RegistrationTarget } from '../src/register/registration-target.ts'
import { startRegistration, type RegistrationServer } from '../src/register/start-registration.ts'
import { launchChromium, runBrowserTests } from './helpers/browser.ts'
import { startManifestFlowGitHub, type ManifestFlowGitHub } from './helpers/manifest-flow-github.ts'
import { runToEnd, startUntil } from './helpers/run-process.ts'
import { useTestCompany } from './helpers/test-company.ts'

const root = fileURLToPath(new URL('..', import.meta.url))
const webhookUrl = 'https://gaffer.example.com/api/github/webhooks'

/** What escape-html writes, undone: the page's form as a browser would read it. */
function decodeHtml(text: string): string {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
}

/** The form of the local page: where it posts, and the manifest it carries. */
async function readForm(pageUrl: string): Promise<{ action: string; manifest: string }> {
  const html = await (await fetch(pageUrl)).text()
  const action = /<form method="post" action="([^"]+)">/.exec(html)?.[1]
  const manifest = /name="manifest" value="([^"]+)"/.exec(html)?.[1]
  if (!action || !manifest) throw new Error(`no manifest form on the page:\n${html}`)
  return { action: decodeHtml(action), manifest: decodeHtml(manifest) }
}

/** What the browser does with the form: posts it to GitHub, which answers with the redirect to the callback. */
async function postForm(form: { action: string; manifest: string }): Promise<string> {
  const answer = await fetch(form.action, { method: 'POST', body: new URLSearchParams({ manifest: form.manifest }), redirect: 'manual' })
  const location = answer.headers.get('location')
  if (answer.status !== 302 || !location) throw new Error(`GitHub's form answered ${answer.status} without a redirect`)
  return location
}

/** A GET with a Host header of our choosing (fetch will not send one). */
function getWithHost(url: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { host } }, (res) => {
      res.resume()
      resolve(res.statusCode ?? 0)
    })
    req.on('error', reject)
    req.end()
  })
}

describe('gaffer register: the manifest flow against a local stand-in for GitHub', () => {
  const c = useTestCompany({ app: false })
  let github: ManifestFlowGitHub
  let target: RegistrationTarget
  let manifest: AppManifest
  let dir: string
  let envFile: string
  let registration: RegistrationServer | undefined
  const start = (options: { force?: boolean } = {}) =>
    startRegistration({ manifest, webhookUrl, target, envFile, force: options.force ?? false, now: () => new Date('2026-11-26T10:00:00Z') }).then(
      (started) => (registration = started),
    )

  beforeAll(async () => {
    const app = c.github.app
    github = await startManifestFlowGitHub(
      { id: app.appId, slug: app.slug, name: 'Gaffer', pem: app.privateKey, webhookSecret: app.webhookSecret },
      c.github.url,
    )
    target = registrationTarget({ githubUrl: github.url, org: 'demo-company' }) as RegistrationTarget
    manifest = await readAppManifest()
  })
  afterAll(async () => {
    await github?.close()
  })
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'gaffer-register-'))
    envFile = path.join(dir, '.env')
    github.posted.length = github.conversions.length = github.forwarded.length = 0
  })
  afterEach(async () => {
    await registration?.close()
    registration = undefined
    await rm(dir, { recursive: true, force: true })
  })

  it("posts app.yml's manifest with a state, exchanges the redirect's code once, and writes a .env of mode 600 that loads as the App", async () => {
    const { pageUrl, registered } = await start()
    expect(new URL(pageUrl).hostname).toBe('127.0.0.1')

    const form = await readForm(pageUrl)
    const callback = await postForm(form)
    const done = await fetch(callback)

    expect(form.action).toMatch(new RegExp(`^${github.url}/organizations/demo-company/settings/apps/new\\?state=[0-9a-f]{64}$`))
    const posted = github.posted[0]!
    expect(posted.manifest).toEqual({
      ...manifest,
      hook_attributes: { url: webhookUrl, active: true },
      redirect_url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/[0-9a-f]{32}\/callback$/),
    })
    expect(done.status).toBe(200)
    expect(await done.text()).toContain('Gaffer is registered')
    await expect(registered).resolves.toEqual({
      appId: c.github.app.appId,
      name: 'Gaffer',
      htmlUrl: `${github.url}/apps/gaffer`,
      envFile,
      envChange: 'created',
      backup: undefined,
    })
    expect(github.conversions).toEqual([{ code: new URL(callback).searchParams.get('code'), converted: true }])
    expect((await stat(envFile)).mode & 0o777).toBe(0o600)
    const text = await readFile(envFile, 'utf8')
    expect(text).not.toContain('client-secret')
    const config = loadConfig({ ...parseEnv(text), DATABASE_URL: c.db.url })
    expect(config.githubApp).toEqual({
      appId: c.github.app.appId,
      privateKey: `${c.github.app.privateKey.trim()}\n`,
      webhookSecret: c.github.app.webhookSecret,
    })
    expect(config.githubApiUrl).toBe(`${github.url}/api/v3`)
    // One-shot: once the code is exchanged nothing answers any more.
    await expect(fetch(pageUrl)).rejects.toThrow()
  })

  it('refuses a callback whose state is not its own, writing nothing, and finishes with the genuine one', async () => {
    const { registered } = await start()
    const callback = await postForm(await readForm(registration!.pageUrl))
    const forged = new URL(callback)
    forged.searchParams.set('state', 'f'.repeat(64))

    const refused = await fetch(forged)

    expect(refused.status).toBe(400)
    expect(await refused.text()).toContain('its state differs')
    expect(github.conversions).toEqual([])
    await expect(stat(envFile)).rejects.toThrow(/ENOENT/)
    expect((await fetch(callback)).status).toBe(200)
    await expect(registered).resolves.toMatchObject({ appId: c.github.app.appId })
  })

  it('uses the first matching callback only: the same one again, while the code is being exchanged, is refused', async () => {
    const { registered } = await start()
    const callback = await postForm(await readForm(registration!.pageUrl))

    const answers = await Promise.all([fetch(callback), fetch(callback)])

    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 410])
    expect(github.conversions).toHaveLength(1)
    await expect(registered).resolves.toMatchObject({ appId: c.github.app.appId })
  })

  it('answers only under its secret path and only to a loopback Host', async () => {
    await start()
    const page = new URL(registration!.pageUrl)

    expect((await fetch(new URL('/', page))).status).toBe(404)
    expect((await fetch(new URL('/callback?code=x&state=y', page))).status).toBe(404)
    expect(await getWithHost(page.toString(), 'attacker.example')).toBe(403)
    expect(await getWithHost(page.toString(), `localhost:${page.port}`)).toBe(200)
  })

  it('says so on the page and fails when GitHub will not exchange the code, writing nothing', async () => {
    const { registered } = await start()
    const callback = new URL(await postForm(await readForm(registration!.pageUrl)))
    callback.searchParams.set('code', 'not-a-code-github-gave')

    const answer = await fetch(callback)

    expect(answer.status).toBe(502)
    expect(await answer.text()).toContain('GitHub created the App, but its code could not be exchanged')
    await expect(registered).rejects.toThrow(/could not be exchanged for the credentials \(Not Found/)
    await expect(stat(envFile)).rejects.toThrow(/ENOENT/)
  })

  it("keeps an existing .env's other lines and adds the App to them, making the file private", async () => {
    await writeFile(envFile, 'DATABASE_URL=postgres://gaffer@db:5432/gaffer\nLOG_LEVEL=debug\n', { mode: 0o644 })
    const { registered } = await start()

    await fetch(await postForm(await readForm(registration!.pageUrl)))

    await expect(registered).resolves.toMatchObject({ envChange: 'added', backup: undefined })
    const values = parseEnv(await readFile(envFile, 'utf8'))
    expect(values).toMatchObject({ DATABASE_URL: 'postgres://gaffer@db:5432/gaffer', LOG_LEVEL: 'debug', APP_ID: String(c.github.app.appId) })
    expect((await stat(envFile)).mode & 0o777).toBe(0o600)
  })

  it("refuses to replace an App's credentials without --force; with it the old file is kept as .env.bak", async () => {
    const old =
      'APP_ID=5\nPRIVATE_KEY="-----BEGIN RSA PRIVATE KEY-----\nOLDKEY\n-----END RSA PRIVATE KEY-----"\nWEBHOOK_SECRET=old-secret-0123456789\nPORT=4000\n'
    await writeFile(envFile, old, { mode: 0o600 })

    await expect(start()).rejects.toThrow(`${envFile} already holds a GitHub App's credentials; pass --force to replace them`)
    const { registered } = await start({ force: true })
    await fetch(await postForm(await readForm(registration!.pageUrl)))

    await expect(registered).resolves.toMatchObject({ envChange: 'replaced', backup: `${envFile}.bak` })
    const text = await readFile(envFile, 'utf8')
    expect(text).not.toContain('OLDKEY')
    expect(parseEnv(text)).toMatchObject({ APP_ID: String(c.github.app.appId), PORT: '4000', WEBHOOK_SECRET: c.github.app.webhookSecret })
    expect(await readFile(`${envFile}.bak`, 'utf8')).toBe(old)
    expect((await stat(`${envFile}.bak`)).mode & 0o777).toBe(0o600)
  })

  it('npm start reads the .env it wrote: the App starts against GitHub, and the environment wins over the file', async () => {
    // A copy of the project whose only configuration is its .env: npm runs the start script there.
    const project = path.join(dir, 'project')
    await mkdir(project)
    await writeFile(path.join(project, 'package.json'), await readFile(path.join(root, 'package.json')))
    await symlink(path.join(root, 'src'), path.join(project, 'src'))
    await symlink(path.join(root, 'node_modules'), path.join(project, 'node_modules'))
    envFile = path.join(project, '.env')
    await writeFile(envFile, `DATABASE_URL=${c.db.url}\nPORT=0\nGAFFER_HOST=127.0.0.1\nGAFFER_HOME=${path.join(dir, 'home')}\nLOG_LEVEL=silent\n`)
    const { registered } = await start()
    await fetch(await postForm(await readForm(registration!.pageUrl)))
    await registered

    const app = await startUntil(
      'npm',
      ['--prefix', project, 'start', '--silent'],
      { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'info' },
      'gaffer is listening',
      90_000,
    )
    app.child.kill('SIGTERM')
    await app.exited

    // LOG_LEVEL=silent in the file would have hidden the line: the environment's info won.
    expect(app.stdout()).toContain('"msg":"gaffer is listening"')
    // It authenticated as the App with the written key, through the API the .env names.
    expect(github.forwarded).toContain('GET /app')
  }, 120_000)
})

describe.runIf(runBrowserTests)('gaffer register in Chromium', () => {
  const c = useTestCompany({ app: false })
  let browser: Browser
  let github: ManifestFlowGitHub
  let dir: string
  beforeAll(async () => {
    browser = await launchChromium()
    const app = c.github.app
    github = await startManifestFlowGitHub(
      { id: app.appId, slug: app.slug, name: 'Gaffer', pem: app.privateKey, webhookSecret: app.webhookSecret },
      c.github.url,
    )
    dir = await mkdtemp(path.join(tmpdir(), 'gaffer-register-'))
  })
  afterAll(async () => {
    await browser?.close()
    await github?.close()
    await rm(dir, { recursive: true, force: true })
  })

  it("one press of the page's button registers the App: the form reaches GitHub and GitHub's redirect comes back", async () => {
    const registration = await startRegistration({
      manifest: await readAppManifest(),
      webhookUrl,
      target: registrationTarget({ githubUrl: github.url }) as RegistrationTarget,
      envFile: path.join(dir, '.env'),
      force: false,
    })
    const page = await browser.newPage()

    await page.goto(registration.pageUrl)
    await page.getByRole('button', { name: /Create the GitHub App/ }).click()

    await page.waitForURL(/\/callback\?code=/)
    expect(await page.locator('h1').textContent()).toBe('Gaffer is registered')
    expect(github.posted.map((post) => post.path)).toEqual(['/settings/apps/new'])
    await expect(registration.registered).resolves.toMatchObject({ appId: c.github.app.appId, envChange: 'created' })
    await page.close()
  })
})

describe('gaffer register: options and the .env text', () => {
  it('explains a missing --webhook-url and exits 2', async () => {
    const run = await runToEnd(process.execPath, ['src/cli/gaffer.ts', 'register'], { PATH: process.env.PATH })

    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(
      /^gaffer register: gaffer register needs --webhook-url: the address where GitHub will send Gaffer's webhooks, e\.g\. --webhook-url https:\/\/gaffer\.example\.com\/api\/github\/webhooks$/m,
    )
  })

  it.each<[string | undefined, { url: string } | { problem: RegExp }]>([
    ['https://gaffer.example.com/api/github/webhooks', { url: 'https://gaffer.example.com/api/github/webhooks' }],
    ['https://gaffer.example.com', { url: 'https://gaffer.example.com/api/github/webhooks' }],
    ['https://gaffer.example.com/hooks/github', { url: 'https://gaffer.example.com/hooks/github' }],
    [undefined, { problem: /^gaffer register needs --webhook-url/ }],
    ['gaffer.example.com', { problem: /^--webhook-url: expected an absolute https:\/\/ URL/ }],
    ['ftp://gaffer.example.com/', { problem: /^--webhook-url: expected an absolute https:\/\/ URL/ }],
    [
      'http://127.0.0.1:3000/api/github/webhooks',
      { problem: /^--webhook-url: GitHub cannot reach 127\.0\.0\.1:3000, this machine's own loopback address/ },
    ],
    ['http://localhost:3000', { problem: /GitHub cannot reach localhost:3000/ }],
  ])('--webhook-url %s', (value, expected) => {
    const parsed = parseWebhookUrl(value)
    if ('url' in expected) expect(parsed).toEqual(expected)
    else expect((parsed as { problem: string }).problem).toMatch(expected.problem)
  })

  it.each<[string, { githubUrl?: string; org?: string }, ReturnType<typeof registrationTarget>]>([
    [
      'github.com, for the signed-in person',
      {},
      { newAppUrl: 'https://github.com/settings/apps/new', apiUrl: 'https://api.github.com', isGitHubCom: true },
    ],
    [
      'github.com, for an organization',
      { org: 'acme' },
      { newAppUrl: 'https://github.com/organizations/acme/settings/apps/new', apiUrl: 'https://api.github.com', isGitHubCom: true },
    ],
    [
      'a GitHub Enterprise Server',
      { githubUrl: 'https://ghe.example.com/', org: 'acme' },
      { newAppUrl: 'https://ghe.example.com/organizations/acme/settings/apps/new', apiUrl: 'https://ghe.example.com/api/v3', isGitHubCom: false },
    ],
    ['not an address', { githubUrl: 'ghe' }, { problem: expect.stringMatching(/^--github-url: expected the address of GitHub/) }],
    ['not a login', { org: 'acme/widgets' }, { problem: expect.stringMatching(/^--org: expected an organization's login/) }],
  ])('registers on %s', (_, options, expected) => {
    expect(registrationTarget(options)).toEqual(expected)
  })

  const app = {
    appId: 42,
    name: 'Gaffer',
    htmlUrl: 'https://github.com/apps/gaffer',
    privateKey: '-----BEGIN RSA PRIVATE KEY-----\nAB+/=\n-----END RSA PRIVATE KEY-----\n',
    webhookSecret: 'abc123',
    apiUrl: undefined,
  }
  const now = new Date('2026-11-26T10:00:00Z')

  it('writes the key on one line with \\n escapes, and a reminder of DATABASE_URL when the file has none', () => {
    expect(envFileText(undefined, app, now)).toBe(
      [
        '# GitHub App Gaffer (https://github.com/apps/gaffer), registered with gaffer register on 2026-11-26',
        'APP_ID=42',
        'WEBHOOK_SECRET=abc123',
        'PRIVATE_KEY=-----BEGIN RSA PRIVATE KEY-----\\nAB+/=\\n-----END RSA PRIVATE KEY-----\\n',
        '# The App needs a database that outlives the process: set DATABASE_URL (or GAFFER_EMBEDDED_DB=1, one replica only).',
        '# DATABASE_URL=postgres://user@host:5432/gaffer',
        '',
      ].join('\n'),
    )
  })

  it.each([
    ['a comment sign and spaces', 'a#b c'],
    ['a single quote', "it's#secret"],
    ['a double quote', 'say "hi"'],
  ])('writes a webhook secret with %s so that it reads back unchanged', (_, webhookSecret) => {
    expect(parseEnv(envFileText(undefined, { ...app, webhookSecret }, now)).WEBHOOK_SECRET).toBe(webhookSecret)
  })

  it('refuses a webhook secret no quoting keeps unchanged, rather than writing another', () => {
    expect(() => envFileText(undefined, { ...app, webhookSecret: `it's a "\\n"` }, now)).toThrow('set WEBHOOK_SECRET by hand')
  })

  it('replaces every App line of an existing file, a quoted key over several lines included, and keeps the rest', () => {
    const existing = [
      '# mine',
      'DATABASE_URL=postgres://db/gaffer',
      'export APP_ID=5',
      'PRIVATE_KEY="-----BEGIN RSA PRIVATE KEY-----',
      'OLD',
      '-----END RSA PRIVATE KEY-----"',
      'PRIVATE_KEY_PATH=/old.pem',
      'GITHUB_API_URL=https://ghe.old/api/v3',
      'PORT=4000',
      '',
    ].join('\n')

    const text = envFileText(existing, { ...app, apiUrl: 'https://ghe.example.com/api/v3' }, now)

    expect(text.split('\n').slice(0, 4)).toEqual(['# mine', 'DATABASE_URL=postgres://db/gaffer', 'PORT=4000', ''])
    expect(parseEnv(text)).toEqual({
      DATABASE_URL: 'postgres://db/gaffer',
      PORT: '4000',
      APP_ID: '42',
      WEBHOOK_SECRET: 'abc123',
      PRIVATE_KEY: '-----BEGIN RSA PRIVATE KEY-----\\nAB+/=\\n-----END RSA PRIVATE KEY-----\\n',
      GITHUB_API_URL: 'https://ghe.example.com/api/v3',
    })
  })
})
