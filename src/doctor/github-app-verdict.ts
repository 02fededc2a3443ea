import type { AppManifest } from '../config/app-manifest.ts'
import type { AppInstallation } from '../github/list-installations.ts'
import type { RegisteredApp } from '../github/read-app.ts'
import type { DoctorLine } from './doctor-line.ts'

/** One repository of an installation, and why it could not be read if it could not. */
export type RepositoryProbe = { fullName: string; error?: string }

export type InstallationProbe = { installation: AppInstallation } & ({ repositories: RepositoryProbe[] } | { error: string })

/** What the GitHub App check found, from the App's credentials to each installed repository. */
export type GitHubAppProbe =
  | { kind: 'not-configured' }
  | { kind: 'error'; apiUrl: string; appId: number; status: number | undefined; message: string }
  | { kind: 'app'; apiUrl: string; app: RegisteredApp; installations: InstallationProbe[] | { error: string } }

const levels: Record<string, number> = { read: 1, write: 2, admin: 3 }
const levelOf = (level: string | undefined) => (level === undefined ? 0 : (levels[level] ?? 0))
/** Repositories named in full in an OK line; more are counted. */
const NAMED_REPOSITORIES = 10

/**
 * The App as GitHub has it against `app.yml`: it authenticates, has the permissions and
 * events Gaffer needs (and no more), is installed, each installation accepted those
 * permissions and can read each of its repositories. A FAIL names the page that fixes it.
 */
export function githubAppVerdict(manifest: AppManifest, probe: GitHubAppProbe): DoctorLine[] {
  if (probe.kind === 'not-configured') {
    return [
      {
        verdict: 'FAIL',
        check: 'GitHub App',
        text: 'no GitHub App configured (APP_ID, PRIVATE_KEY or PRIVATE_KEY_PATH, WEBHOOK_SECRET): npm start would run the sandbox',
        fix: 'register one with `gaffer register --webhook-url https://<your host>/api/github/webhooks`, or set the three variables',
      },
    ]
  }
  if (probe.kind === 'error') return [authenticationLine(probe)]
  const { app } = probe
  const settings = appSettingsUrl(app, probe.apiUrl)
  const lines: DoctorLine[] = [{ verdict: 'OK', check: 'GitHub App', text: `authenticates as ${app.slug} (App ${app.id})` }]

  const missing = Object.entries(manifest.default_permissions)
    .filter(([name, wanted]) => levelOf(app.permissions[name]) < levelOf(wanted))
    .map(([name, wanted]) => `${name}: ${wanted} (it has ${app.permissions[name] ?? 'none'})`)
  const extra = Object.entries(app.permissions)
    .filter(([name, level]) => levelOf(level) > levelOf(manifest.default_permissions[name]))
    .map(([name, level]) => `${name}: ${level}`)
  lines.push(
    missing.length > 0
      ? {
          verdict: 'FAIL',
          check: 'permissions',
          text: `the App lacks ${missing.join(', ')}`,
          fix: `edit the App's permissions at ${settings}; then an owner of each installation accepts them`,
        }
      : { verdict: 'OK', check: 'permissions', text: `as app.yml asks: ${describePermissions(manifest.default_permissions)}` },
  )
  if (extra.length > 0) {
    lines.push({
      verdict: 'WARN',
      check: 'permissions',
      text: `the App has more than app.yml asks for: ${extra.join(', ')}`,
      fix: `take them away at ${settings}: a leaked key can do no more than the App may`,
    })
  }
  const missingEvents = manifest.default_events.filter((event) => !app.events.includes(event))
  lines.push(
    missingEvents.length > 0
      ? {
          verdict: 'FAIL',
          check: 'events',
          text: `the App is not subscribed to ${missingEvents.join(', ')}`,
          fix: `edit the App's permissions at ${settings} and tick them under "Subscribe to events"`,
        }
      : { verdict: 'OK', check: 'events', text: `subscribed to ${manifest.default_events.join(', ')}` },
  )

  const installUrl = `${app.htmlUrl ?? `${webOrigin(probe.apiUrl)}/apps/${app.slug}`}/installations/new`
  if ('error' in probe.installations) {
    lines.push({ verdict: 'FAIL', check: 'installations', text: `cannot list the App's installations: ${probe.installations.error}` })
    return lines
  }
  if (probe.installations.length === 0) {
    lines.push({
      verdict: 'FAIL',
      check: 'installations',
      text: 'the App is installed nowhere: Gaffer has no repository to work on',
      fix: `install it at ${installUrl}`,
    })
    return lines
  }
  for (const probed of probe.installations) lines.push(...installationLines(manifest, app, probed))
  return lines
}

function installationLines(manifest: AppManifest, app: RegisteredApp, probed: InstallationProbe): DoctorLine[] {
  const { installation } = probed
  const check = `installation ${installation.account || installation.id}`
  const manage = installation.htmlUrl ?? `the installation's settings (installation ${installation.id})`
  if (installation.suspended) {
    return [
      {
        verdict: 'FAIL',
        check,
        text: 'suspended: GitHub sends it no events and refuses its requests',
        fix: `an owner of the account unsuspends it at ${manage}`,
      },
    ]
  }
  const lines: DoctorLine[] = []
  // A permission the App itself lacks is reported once, above; here only what the account has not accepted yet.
  const unaccepted = Object.entries(manifest.default_permissions)
    .filter(([name, wanted]) => levelOf(app.permissions[name]) >= levelOf(wanted) && levelOf(installation.permissions[name]) < levelOf(wanted))
    .map(([name, wanted]) => `${name}: ${wanted}`)
  if (unaccepted.length > 0) {
    lines.push({
      verdict: 'FAIL',
      check,
      text: `has not accepted the App's permissions ${unaccepted.join(', ')}`,
      fix: `an owner of the account accepts the new permissions at ${manage}`,
    })
  }
  if ('error' in probed) {
    lines.push({ verdict: 'FAIL', check, text: `cannot act as this installation: ${probed.error}`, fix: `check the installation at ${manage}` })
    return lines
  }
  const failed = probed.repositories.filter((repository) => repository.error !== undefined)
  for (const repository of failed) {
    lines.push({
      verdict: 'FAIL',
      check,
      text: `cannot read ${repository.fullName}: ${repository.error}`,
      fix: `check which repositories it may access at ${manage}`,
    })
  }
  const reachable = probed.repositories.filter((repository) => repository.error === undefined).map((repository) => repository.fullName)
  if (probed.repositories.length === 0) {
    lines.push({
      verdict: 'WARN',
      check,
      text: 'no repository is selected: Gaffer has nothing to work on here',
      fix: `choose repositories at ${manage}`,
    })
  } else if (reachable.length > 0) {
    const named = reachable.slice(0, NAMED_REPOSITORIES).join(', ')
    const more = reachable.length > NAMED_REPOSITORIES ? ` and ${reachable.length - NAMED_REPOSITORIES} more` : ''
    lines.push({
      verdict: 'OK',
      check,
      text: `${reachable.length} ${reachable.length === 1 ? 'repository' : 'repositories'} reachable: ${named}${more}`,
    })
  }
  return lines
}

function authenticationLine(probe: Extract<GitHubAppProbe, { kind: 'error' }>): DoctorLine {
  if (probe.status === 401 || probe.status === 403 || probe.status === 404) {
    return {
      verdict: 'FAIL',
      check: 'GitHub App',
      text: `GitHub refused App ${probe.appId} (${probe.status} from GET /app): ${probe.message}`,
      fix: "APP_ID and the private key must belong to one App: check APP_ID, or generate a new private key in the App's settings and set PRIVATE_KEY or PRIVATE_KEY_PATH",
    }
  }
  return {
    verdict: 'FAIL',
    check: 'GitHub App',
    text: `cannot reach the GitHub API at ${probe.apiUrl}${probe.status === undefined ? '' : ` (${probe.status} from GET /app)`}: ${probe.message}`,
    fix: 'check GITHUB_API_URL (https://api.github.com, or https://<host>/api/v3 for GitHub Enterprise Server) and that this machine can reach it',
  }
}

/** The App's "Permissions & events" settings page, under the account that owns it. */
export function appSettingsUrl(app: Pick<RegisteredApp, 'slug' | 'htmlUrl' | 'owner'>, apiUrl: string): string {
  const origin = app.htmlUrl && URL.canParse(app.htmlUrl) ? new URL(app.htmlUrl).origin : webOrigin(apiUrl)
  const account = app.owner?.type === 'Organization' ? `/organizations/${app.owner.login}` : ''
  return `${origin}${account}/settings/apps/${app.slug}/permissions`
}

/** github.com for its API, the host of a GitHub Enterprise Server (`/api/v3`), else the API's own origin. */
function webOrigin(apiUrl: string): string {
  const url = new URL(apiUrl)
  if (url.hostname === 'api.github.com') return 'https://github.com'
  return `${url.origin}${url.pathname.replace(/\/api\/v3\/?$/, '').replace(/\/+$/, '')}`
}

function describePermissions(permissions: Record<string, string>): string {
  return Object.entries(permissions)
    .map(([name, level]) => `${name} ${level}`)
    .join(', ')
}
