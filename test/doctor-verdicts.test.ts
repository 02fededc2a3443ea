import { describe, expect, it } from 'vitest'
import type { AppManifest } from '../src/config/app-manifest.ts'
import { databaseVerdict, type DatabaseProbe } from '../src/doctor/database-verdict.ts'
import { doctorExitCode, formatDoctorReport, type DoctorLine } from '../src/doctor/doctor-line.ts'
import { environmentVerdict } from '../src/doctor/environment-verdict.ts'
import { appSettingsUrl, githubAppVerdict, type InstallationProbe } from '../src/doctor/github-app-verdict.ts'
import { modelVerdict } from '../src/doctor/model-verdict.ts'
import { runtimesVerdict, type RuntimeProbe, type SandboxProbe } from '../src/doctor/runtimes-verdict.ts'
import { webhookSecretVerdict } from '../src/doctor/webhook-secret-verdict.ts'
import type { AppInstallation } from '../src/github/list-installations.ts'
import type { RegisteredApp } from '../src/github/read-app.ts'

const manifest: AppManifest = {
  name: 'Gaffer',
  url: 'https://github.com/apps/gaffer',
  default_permissions: { issues: 'write', checks: 'write', metadata: 'read' },
  default_events: ['issues', 'push'],
}
const app: RegisteredApp = {
  id: 42,
  slug: 'gaffer-acme',
  name: 'Gaffer Acme',
  htmlUrl: 'https://github.com/apps/gaffer-acme',
  owner: { login: 'acme', type: 'Organization' },
  permissions: { issues: 'write', checks: 'write', metadata: 'read' },
  events: ['issues', 'push', 'installation'],
}
const installation: AppInstallation = {
  id: 7,
  account: 'acme',
  htmlUrl: 'https://github.com/organizations/acme/settings/installations/7',
  permissions: { issues: 'write', checks: 'write', metadata: 'read' },
  suspended: false,
}
const installed = (probed: Partial<InstallationProbe> & Record<string, unknown> = {}): InstallationProbe =>
  ({ installation, repositories: [{ fullName: 'acme/widgets' }], ...probed }) as InstallationProbe
const verdictOf = (installations: InstallationProbe[] | { error: string }, registered: Partial<RegisteredApp> = {}) =>
  githubAppVerdict(manifest, { kind: 'app', apiUrl: 'https://api.github.com', app: { ...app, ...registered }, installations })
const brief = (lines: DoctorLine[]) => lines.map((line) => `${line.verdict} ${line.check}: ${line.text}${line.fix ? ` | fix: ${line.fix}` : ''}`)

describe('the GitHub App against app.yml', () => {
  it('is all OK when the App, its installation and its repository have what app.yml asks', () => {
    expect(brief(verdictOf([installed()]))).toEqual([
      'OK GitHub App: authenticates as gaffer-acme (App 42)',
      'OK permissions: as app.yml asks: issues write, checks write, metadata read',
      'OK events: subscribed to issues, push',
      'OK installation acme: 1 repository reachable: acme/widgets',
    ])
  })

  it.each<[string, InstallationProbe[] | { error: string }, Partial<RegisteredApp>, string[]]>([
    [
      'a permission missing and one too low, named with the settings page of the organization that owns the App',
      [installed()],
      { permissions: { issues: 'read', metadata: 'read' } },
      [
        "FAIL permissions: the App lacks issues: write (it has read), checks: write (it has none) | fix: edit the App's permissions at https://github.com/organizations/acme/settings/apps/gaffer-acme/permissions; then an owner of each installation accepts them",
      ],
    ],
    [
      'an event missing',
      [installed()],
      { events: ['issues'] },
      [
        'FAIL events: the App is not subscribed to push | fix: edit the App\'s permissions at https://github.com/organizations/acme/settings/apps/gaffer-acme/permissions and tick them under "Subscribe to events"',
      ],
    ],
    [
      'an installation whose owner has not accepted a permission the App now has',
      [installed({ installation: { ...installation, permissions: { issues: 'read', metadata: 'read' } } })],
      {},
      [
        "FAIL installation acme: has not accepted the App's permissions issues: write, checks: write | fix: an owner of the account accepts the new permissions at https://github.com/organizations/acme/settings/installations/7",
      ],
    ],
    [
      'a suspended installation',
      [installed({ installation: { ...installation, suspended: true }, repositories: [] })],
      {},
      [
        'FAIL installation acme: suspended: GitHub sends it no events and refuses its requests | fix: an owner of the account unsuspends it at https://github.com/organizations/acme/settings/installations/7',
      ],
    ],
    [
      'no installation at all',
      [],
      {},
      [
        'FAIL installations: the App is installed nowhere: Gaffer has no repository to work on | fix: install it at https://github.com/apps/gaffer-acme/installations/new',
      ],
    ],
    [
      'a repository the installation cannot read',
      [installed({ repositories: [{ fullName: 'acme/widgets' }, { fullName: 'acme/gone', error: '404 Not Found' }] })],
      {},
      [
        'FAIL installation acme: cannot read acme/gone: 404 Not Found | fix: check which repositories it may access at https://github.com/organizations/acme/settings/installations/7',
      ],
    ],
    [
      'an installation it cannot act as',
      [installed({ repositories: undefined, error: '422 The permissions requested are not granted to this installation.' })],
      {},
      [
        'FAIL installation acme: cannot act as this installation: 422 The permissions requested are not granted to this installation. | fix: check the installation at https://github.com/organizations/acme/settings/installations/7',
      ],
    ],
    [
      'installations that cannot be listed',
      { error: 'fetch failed (ECONNRESET)' },
      {},
      ["FAIL installations: cannot list the App's installations: fetch failed (ECONNRESET)"],
    ],
  ])('FAIL: %s', (_, installations, registered, expected) => {
    expect(brief(verdictOf(installations, registered)).filter((line) => line.startsWith('FAIL'))).toEqual(expected)
  })

  it.each<[string, InstallationProbe[], Partial<RegisteredApp>, string]>([
    [
      'more permissions than app.yml asks for',
      [installed()],
      { permissions: { ...app.permissions, administration: 'write', contents: 'read' } },
      'WARN permissions: the App has more than app.yml asks for: administration: write, contents: read | fix: take them away at https://github.com/organizations/acme/settings/apps/gaffer-acme/permissions: a leaked key can do no more than the App may',
    ],
    [
      'an installation with no repository selected',
      [installed({ repositories: [] })],
      {},
      'WARN installation acme: no repository is selected: Gaffer has nothing to work on here | fix: choose repositories at https://github.com/organizations/acme/settings/installations/7',
    ],
  ])('WARN: %s', (_, installations, registered, expected) => {
    expect(brief(verdictOf(installations, registered)).filter((line) => line.startsWith('WARN'))).toEqual([expected])
  })

  it('names at most ten reachable repositories and counts the rest', () => {
    const repositories = Array.from({ length: 12 }, (_, index) => ({ fullName: `acme/r${index + 1}` }))

    expect(brief(verdictOf([installed({ repositories })])).at(-1)).toBe(
      'OK installation acme: 12 repositories reachable: acme/r1, acme/r2, acme/r3, acme/r4, acme/r5, acme/r6, acme/r7, acme/r8, acme/r9, acme/r10 and 2 more',
    )
  })

  it.each<[string, number | undefined, string, string]>([
    [
      'a key GitHub refuses',
      401,
      'FAIL GitHub App: GitHub refused App 42 (401 from GET /app): A JSON web token could not be decoded',
      "APP_ID and the private key must belong to one App: check APP_ID, or generate a new private key in the App's settings and set PRIVATE_KEY or PRIVATE_KEY_PATH",
    ],
    [
      'a GitHub that does not answer',
      undefined,
      'FAIL GitHub App: cannot reach the GitHub API at https://ghe.example.com/api/v3: A JSON web token could not be decoded',
      'check GITHUB_API_URL (https://api.github.com, or https://<host>/api/v3 for GitHub Enterprise Server) and that this machine can reach it',
    ],
  ])('authentication: %s', (_, status, text, fix) => {
    const [line] = githubAppVerdict(manifest, {
      kind: 'error',
      apiUrl: status === undefined ? 'https://ghe.example.com/api/v3' : 'https://api.github.com',
      appId: 42,
      status,
      message: 'A JSON web token could not be decoded',
    })
    expect(brief([line!])).toEqual([`${text} | fix: ${fix}`])
  })

  it.each<[string, Pick<RegisteredApp, 'slug' | 'htmlUrl' | 'owner'>, string, string]>([
    ['an App of an organization', app, 'https://api.github.com', 'https://github.com/organizations/acme/settings/apps/gaffer-acme/permissions'],
    [
      'an App of a person',
      { ...app, owner: { login: 'maya', type: 'User' } },
      'https://api.github.com',
      'https://github.com/settings/apps/gaffer-acme/permissions',
    ],
    [
      'an App on GitHub Enterprise Server that GitHub gave no page for',
      { slug: 'gaffer', htmlUrl: undefined, owner: undefined },
      'https://ghe.example.com/api/v3',
      'https://ghe.example.com/settings/apps/gaffer/permissions',
    ],
    [
      'an App on github.com that GitHub gave no page for',
      { slug: 'gaffer', htmlUrl: undefined, owner: undefined },
      'https://api.github.com',
      'https://github.com/settings/apps/gaffer/permissions',
    ],
  ])("the App's settings page: %s", (_, registered, apiUrl, expected) => {
    expect(appSettingsUrl(registered, apiUrl)).toBe(expected)
  })

  it('says how to register an App when none is configured', () => {
    expect(brief(githubAppVerdict(manifest, { kind: 'not-configured' }))).toEqual([
      'FAIL GitHub App: no GitHub App configured (APP_ID, PRIVATE_KEY or PRIVATE_KEY_PATH, WEBHOOK_SECRET): npm start would run the sandbox | fix: register one with `gaffer register --webhook-url https://<your host>/api/github/webhooks`, or set the three variables',
    ])
  })
})

describe('the model server', () => {
  const target = { where: 'http://127.0.0.1:8080/v1', model: 'qwen3' }
  const error = (status: number, message: string, step: 'call' | 'result' = 'call') =>
    ({ kind: 'error', step, failure: 'status', status, message }) as const

  it.each<[string, Parameters<typeof modelVerdict>[1], string, RegExp]>([
    ['a round trip', { kind: 'round-trip' }, 'OK model: qwen3 at http://127.0.0.1:8080/v1 called a tool and took its result', /^$/],
    [
      'no model configured',
      { kind: 'not-configured' },
      'WARN model: no model server configured (OPENAI_API_KEY, OPENAI_BASE_URL): agents only do the work that needs no model',
      /set OPENAI_API_KEY/,
    ],
    [
      'an answer in words',
      { kind: 'no-tool-call', answer: 'I would call   report_word\nwith "ready".' },
      'FAIL model: qwen3 at http://127.0.0.1:8080/v1 answered without calling the tool it was given ("I would call report_word with \\"ready\\"."): it does not support tool calls',
      /set GAFFER_MODEL .* to a model that supports them/,
    ],
    [
      'an empty answer',
      { kind: 'no-tool-call', answer: '' },
      'FAIL model: qwen3 at http://127.0.0.1:8080/v1 answered without calling the tool it was given (an empty answer): it does not support tool calls',
      /GAFFER_MODEL/,
    ],
    [
      'arguments that are not JSON',
      { kind: 'unusable-arguments', arguments: '{word: ready' },
      'FAIL model: qwen3 at http://127.0.0.1:8080/v1 called the tool with arguments that are not a JSON object ("{word: ready")',
      /GAFFER_MODEL/,
    ],
    [
      'nothing listening',
      { kind: 'error', step: 'call', failure: 'unreachable', status: undefined, message: 'Connection error. (connect ECONNREFUSED 127.0.0.1:8080)' },
      'FAIL model: no model server answers at http://127.0.0.1:8080/v1: Connection error. (connect ECONNREFUSED 127.0.0.1:8080)',
      /correct OPENAI_BASE_URL/,
    ],
    [
      'no answer in time',
      { kind: 'error', step: 'call', failure: 'timeout', status: undefined, message: 'Request timed out.' },
      'FAIL model: the model server at http://127.0.0.1:8080/v1 did not answer in time: Request timed out.',
      /not overloaded/,
    ],
    [
      'a refused key',
      error(401, 'Incorrect API key provided'),
      'FAIL model: the model server at http://127.0.0.1:8080/v1 refused OPENAI_API_KEY (401): Incorrect API key provided',
      /set OPENAI_API_KEY/,
    ],
    [
      'a forbidden model',
      error(403, 'no access'),
      'FAIL model: the key may not use qwen3 at http://127.0.0.1:8080/v1 (403): no access',
      /give the key access to qwen3/,
    ],
    [
      'an unknown model',
      error(404, 'model "qwen3" not found'),
      'FAIL model: http://127.0.0.1:8080/v1 does not know the model qwen3 (404): model "qwen3" not found',
      /GET http:\/\/127\.0\.0\.1:8080\/v1\/models/,
    ],
    [
      'a server without tools',
      error(400, 'qwen3 does not support tools'),
      'FAIL model: the server says qwen3 does not take tools (400): qwen3 does not support tools',
      /tool calling on in the server/,
    ],
    [
      'a refused tool result',
      error(400, "messages[2].role: unknown variant 'tool'", 'result'),
      "FAIL model: qwen3 called the tool, then the server refused its result (400, when given the tool call's result): messages[2].role: unknown variant 'tool'",
      /GAFFER_MODEL/,
    ],
    [
      'a spent quota',
      error(429, 'You exceeded your current quota'),
      'FAIL model: the model server at http://127.0.0.1:8080/v1 is rate-limiting this key or its quota is spent (429): You exceeded your current quota',
      /quota/,
    ],
    ['a server error', error(500, 'boom'), 'FAIL model: the model server at http://127.0.0.1:8080/v1 failed (500): boom', /server's logs/],
  ])('%s', (_, probe, text, fix) => {
    const line = modelVerdict(target, probe)
    expect(`${line.verdict} ${line.check}: ${line.text}`).toBe(text)
    expect(line.fix ?? '').toMatch(fix)
  })
})

describe('the database', () => {
  const status = (migrations: Partial<Record<'applied' | 'pending' | 'changed' | 'unknown', string[]>>): DatabaseProbe => ({
    kind: 'status',
    where: 'gaffer@db:5432/gaffer',
    status: { serverVersion: '17.2', migrations: { applied: [], pending: [], changed: [], unknown: [], ...migrations } },
  })

  it.each<[string, DatabaseProbe, string[]]>([
    [
      'up to date',
      status({ applied: ['001_a.sql', '002_b.sql'] }),
      ['OK database: PostgreSQL 17.2 at gaffer@db:5432/gaffer', 'OK migrations: all 2 applied'],
    ],
    [
      'a migration to apply',
      status({ applied: ['001_a.sql'], pending: ['002_b.sql'] }),
      [
        'OK database: PostgreSQL 17.2 at gaffer@db:5432/gaffer',
        'WARN migrations: 1 not applied yet: migrations/002_b.sql | fix: Gaffer applies them at its next start; to apply them now run `gaffer migrate`',
      ],
    ],
    [
      'a database new to Gaffer',
      status({ pending: ['001_a.sql', '002_b.sql'] }),
      [
        'OK database: PostgreSQL 17.2 at gaffer@db:5432/gaffer',
        'WARN migrations: none of the 2 applied yet: the database is new to Gaffer | fix: Gaffer applies them at its next start; to apply them now run `gaffer migrate`',
      ],
    ],
    [
      'an applied migration edited since',
      status({ applied: ['001_a.sql'], changed: ['002_b.sql'] }),
      [
        'OK database: PostgreSQL 17.2 at gaffer@db:5432/gaffer',
        'FAIL migrations: migrations/002_b.sql changed after it was applied: Gaffer refuses to start | fix: restore the applied version of each file (git checkout) and put the change in a new migration file',
      ],
    ],
    [
      'migrated by a newer Gaffer',
      status({ applied: ['001_a.sql'], unknown: ['003_c.sql'] }),
      [
        'OK database: PostgreSQL 17.2 at gaffer@db:5432/gaffer',
        'WARN migrations: the database has migrations/003_c.sql, which this version of Gaffer does not know: a newer version migrated it | fix: run the newer version of Gaffer, or restore the backup taken before the upgrade',
      ],
    ],
    [
      'a refused password',
      { kind: 'error', where: 'gaffer@db:5432/gaffer', message: 'password authentication failed for user "gaffer"', code: '28P01' },
      [
        'FAIL database: cannot use DATABASE_URL (gaffer@db:5432/gaffer): password authentication failed for user "gaffer" | fix: Postgres refused this user: correct the user and password in DATABASE_URL, or allow them in pg_hba.conf',
      ],
    ],
    [
      'no such database',
      { kind: 'error', where: 'gaffer@db:5432/gaffer', message: 'database "gaffer" does not exist', code: '3D000' },
      [
        'FAIL database: cannot use DATABASE_URL (gaffer@db:5432/gaffer): database "gaffer" does not exist | fix: create the database (createdb gaffer) or correct its name in DATABASE_URL',
      ],
    ],
    [
      'no server',
      { kind: 'error', where: 'gaffer@db:5432/gaffer', message: 'connect ECONNREFUSED 10.0.0.5:5432', code: 'ECONNREFUSED' },
      [
        'FAIL database: cannot use DATABASE_URL (gaffer@db:5432/gaffer): connect ECONNREFUSED 10.0.0.5:5432 | fix: start Postgres there, or correct the host and port in DATABASE_URL',
      ],
    ],
    [
      'no DATABASE_URL',
      { kind: 'embedded', home: '/srv/gaffer' },
      [
        'WARN database: no DATABASE_URL: Gaffer keeps an embedded Postgres under /srv/gaffer, which doctor does not start | fix: for the GitHub App set DATABASE_URL=postgres://user@host:5432/gaffer (GAFFER_EMBEDDED_DB=1 keeps the embedded one on purpose, one replica only)',
      ],
    ],
  ])('%s', (_, probe, expected) => {
    expect(brief(databaseVerdict(probe))).toEqual(expected)
  })
})

describe('the CLI runtimes and the sandbox', () => {
  const runtime = (extra: Partial<RuntimeProbe>): RuntimeProbe => ({
    name: 'codex',
    adapter: 'codex',
    program: 'codex',
    path: '/usr/local/bin/codex',
    version: { text: 'codex-cli 0.169.0' },
    unsetVariables: [],
    ...extra,
  })
  const bwrap: SandboxProbe = { setting: 'auto', bwrap: '/usr/bin/bwrap', version: 'bubblewrap 0.8.0', error: undefined }

  it.each<[string, RuntimeProbe[], SandboxProbe, string[]]>([
    ['none defined', [], { setting: 'none' }, ['OK runtimes: no CLI runtimes defined (GAFFER_RUNTIMES): every agent uses the built-in chat runtime']],
    [
      'found, with its version, inside bubblewrap',
      [runtime({})],
      bwrap,
      ['OK runtime codex: /usr/local/bin/codex, codex-cli 0.169.0', 'OK sandbox: bubblewrap 0.8.0 at /usr/bin/bwrap confines CLI runs'],
    ],
    [
      'not on PATH',
      [runtime({ path: undefined })],
      bwrap,
      [
        'FAIL runtime codex: codex is not on PATH: agents with `runtime: codex` cannot work | fix: install it (npm install -g @openai/codex), or set its "command" in GAFFER_RUNTIMES to the program\'s full path',
        'OK sandbox: bubblewrap 0.8.0 at /usr/bin/bwrap confines CLI runs',
      ],
    ],
    [
      "an operator's command, not run for a version",
      [runtime({ name: 'mine', adapter: 'command', program: './my-agent', path: '/srv/my-agent', version: undefined })],
      bwrap,
      [
        'OK runtime mine: /srv/my-agent (a command runtime is not run to ask its version)',
        'OK sandbox: bubblewrap 0.8.0 at /usr/bin/bwrap confines CLI runs',
      ],
    ],
    [
      'a version that cannot be asked, a variable not set, and no bubblewrap',
      [runtime({ version: { error: 'exit code 127' }, unsetVariables: ['OPENAI_API_KEY'] })],
      { setting: 'auto', bwrap: undefined },
      [
        'WARN runtime codex: /usr/local/bin/codex is there, but `codex --version` failed: exit code 127 | fix: check that it runs for the user Gaffer runs as',
        'WARN runtime codex: passes OPENAI_API_KEY to the CLI, but it is not set here | fix: set OPENAI_API_KEY in Gaffer\'s environment, or take it out of the runtime\'s "env"',
        'FAIL sandbox: bubblewrap (bwrap) is not installed: CLI runs would not be confined and could read the whole host | fix: install it (apt-get install bubblewrap), or set GAFFER_SANDBOX=none to run CLIs unconfined on purpose',
      ],
    ],
    [
      'bubblewrap that cannot make a sandbox',
      [runtime({})],
      { ...bwrap, error: 'bwrap: No permissions to creating new namespace' },
      [
        'OK runtime codex: /usr/local/bin/codex, codex-cli 0.169.0',
        expect.stringMatching(
          /^FAIL sandbox: \/usr\/bin\/bwrap cannot make a sandbox here: bwrap: No permissions to creating new namespace \| fix: allow unprivileged user namespaces/,
        ),
      ],
    ],
    [
      'GAFFER_SANDBOX=none',
      [runtime({})],
      { setting: 'none' },
      [
        'OK runtime codex: /usr/local/bin/codex, codex-cli 0.169.0',
        "WARN sandbox: GAFFER_SANDBOX=none: CLI runs are not confined: they can read the whole host, Gaffer's own secrets included (its environment in /proc) | fix: install bubblewrap (apt-get install bubblewrap) and unset GAFFER_SANDBOX",
      ],
    ],
  ])('%s', (_, runtimes, sandbox, expected) => {
    expect(brief(runtimesVerdict(runtimes, sandbox))).toEqual(expected)
  })
})

describe('the environment and the webhook secret', () => {
  it.each<[string, string[], Parameters<typeof environmentVerdict>[1], string[]]>([
    ['a configuration that loads, without .env', [], {}, ['OK environment: the configuration loads']],
    [
      'with a private .env',
      [],
      { envFile: { path: '/srv/gaffer/.env', mode: 0o100600 } },
      ['OK environment: the configuration loads (with /srv/gaffer/.env)'],
    ],
    [
      'with a .env and a key others may read',
      [],
      { envFile: { path: '/srv/gaffer/.env', mode: 0o100644 }, keyFile: { path: '/srv/gaffer/app.pem', mode: 0o100640 } },
      [
        'OK environment: the configuration loads (with /srv/gaffer/.env)',
        'WARN environment: /srv/gaffer/.env holds secrets and other users of this machine may read it (mode 644) | fix: chmod 600 /srv/gaffer/.env',
        'WARN environment: /srv/gaffer/app.pem holds secrets and other users of this machine may read it (mode 640) | fix: chmod 600 /srv/gaffer/app.pem',
      ],
    ],
    [
      "env.ts's problems, one line each",
      ['APP_ID: expected the numeric App ID', 'PORT: expected a TCP port number'],
      {},
      ['FAIL environment: APP_ID: expected the numeric App ID', 'FAIL environment: PORT: expected a TCP port number'],
    ],
  ])('%s', (_, problems, files, expected) => {
    expect(brief(environmentVerdict(problems, files))).toEqual(expected)
  })

  it.each<[string, string | undefined, string]>([
    ['missing', undefined, 'FAIL webhook secret: WEBHOOK_SECRET is not set: no delivery from GitHub can be verified'],
    ['short', 'hunter2', 'WARN webhook secret: WEBHOOK_SECRET is shorter than 16 characters: a guessed secret lets anyone forge deliveries'],
    ['set', 'b6f0c1d2e3a4958677889900aabbccddeeff0011', 'OK webhook secret: WEBHOOK_SECRET is set'],
  ])('a webhook secret %s', (_, secret, expected) => {
    const line = webhookSecretVerdict(secret)
    expect(`${line.verdict} ${line.check}: ${line.text}`).toBe(expected)
    expect(JSON.stringify(line)).not.toContain('hunter2')
  })
})

describe('the report', () => {
  it('prints one line per finding with its fix under it and counts the problems; any FAIL exits 1', () => {
    const lines: DoctorLine[] = [
      { verdict: 'OK', check: 'database', text: 'PostgreSQL 17.2 at db:5432/gaffer' },
      { verdict: 'WARN', check: 'migrations', text: '1 not applied yet', fix: 'gaffer migrate' },
      { verdict: 'FAIL', check: 'model', text: 'no model server answers', fix: 'start it' },
    ]

    expect(formatDoctorReport(lines)).toBe(
      [
        'OK    database    PostgreSQL 17.2 at db:5432/gaffer',
        'WARN  migrations  1 not applied yet',
        '                  fix: gaffer migrate',
        'FAIL  model       no model server answers',
        '                  fix: start it',
        '',
        '1 problem to fix (FAIL), 1 warning (WARN).',
        '',
      ].join('\n'),
    )
    expect(doctorExitCode(lines)).toBe(1)
    expect(doctorExitCode(lines.slice(0, 2))).toBe(0)
    expect(formatDoctorReport(lines.slice(0, 1))).toMatch(/\n\nEverything checked is OK\.\n$/)
  })
})
