import { randomBytes } from 'node:crypto'
import { createEmulator, type Emulator } from 'emulate'
import { readAppManifest, type PermissionLevel } from '../config/app-manifest.ts'

export type DemoPerson = { login: string; token: string; access: 'write' | 'none' }

export type EmulatedGitHub = {
  emulator: Emulator
  /** The GitHub API base URL, for GITHUB_API_URL. */
  url: string
  app: { appId: number; slug: string; privateKey: string; webhookSecret: string; installationId: number }
  organization: string
  repository: string
  maintainer: DemoPerson
  outsider: DemoPerson
  /** Only with `tenants`: another repository of the same installation, and another organization with its own. */
  tenants?: EmulatedTenants
}

/**
 * Companies beside the demo repository, for tests that two of them never mix: `sibling` is
 * a second repository of the demo organization (the same installation), `other` the one
 * repository of a second organization, which installed the app separately. The maintainer
 * administers both organizations; the outsider belongs to neither.
 */
export type EmulatedTenants = {
  sibling: string
  other: { organization: string; repository: string; installationId: number }
}

/** What an App registered on the emulated GitHub may be given instead of app.yml's permissions and events. */
export type EmulatedAppRegistration = { permissions?: Record<string, PermissionLevel>; events?: string[] }

/**
 * An emulated GitHub (the `emulate` package) seeded with a demo organization and
 * repository, two people (a maintainer with write access and an outsider) and
 * Gaffer's installation, which delivers webhooks to `webhookUrl`. The app gets the
 * permissions and events of app.yml, so the sandbox runs with what production asks for,
 * unless `registration` says otherwise (a test of an App registered with too little).
 */
export async function startEmulatedGitHub(options: {
  webhookUrl: string
  port?: number
  registration?: EmulatedAppRegistration
  tenants?: boolean
}): Promise<EmulatedGitHub> {
  const manifest = await readAppManifest()
  const organization = 'demo-company'
  const repository = `${organization}/widgets`
  const appId = 1001
  const slug = 'gaffer'
  const installationId = 1
  const webhookSecret = randomBytes(20).toString('hex')
  const maintainer: DemoPerson = { login: 'maya', token: `gho_${randomBytes(18).toString('hex')}`, access: 'write' }
  const outsider: DemoPerson = { login: 'oscar', token: `gho_${randomBytes(18).toString('hex')}`, access: 'none' }
  const tenants: EmulatedTenants | undefined = options.tenants
    ? { sibling: `${organization}/gadgets`, other: { organization: 'other-company', repository: 'other-company/gears', installationId: 2 } }
    : undefined
  const [, siblingName] = (tenants?.sibling ?? '/').split('/')
  const [, otherName] = (tenants?.other.repository ?? '/').split('/')

  const emulator = await createEmulator({
    service: 'github',
    port: options.port ?? 0,
    seed: {
      tokens: {
        [maintainer.token]: { login: maintainer.login, scopes: ['repo', 'read:org'] },
        [outsider.token]: { login: outsider.login, scopes: ['repo'] },
      },
      github: {
        users: [
          { login: maintainer.login, name: 'Maya Maintainer', email: 'maya@demo.invalid' },
          { login: outsider.login, name: 'Oscar Outsider', email: 'oscar@demo.invalid' },
        ],
        orgs: [
          { login: organization, name: 'Demo Company', members: [{ login: maintainer.login, role: 'admin' }] },
          ...(tenants ? [{ login: tenants.other.organization, name: 'Other Company', members: [{ login: maintainer.login, role: 'admin' }] }] : []),
        ],
        repos: [
          { owner: organization, name: 'widgets', description: 'A demo repository run by Gaffer', auto_init: true },
          ...(tenants
            ? [
                { owner: organization, name: siblingName!, description: 'A second repository of the demo company', auto_init: true },
                { owner: tenants.other.organization, name: otherName!, description: 'The repository of another company', auto_init: true },
              ]
            : []),
        ],
        apps: [
          {
            app_id: appId,
            slug,
            name: manifest.name,
            permissions: options.registration?.permissions ?? manifest.default_permissions,
            events: [...(options.registration?.events ?? manifest.default_events), 'installation', 'installation_repositories'],
            webhook_url: options.webhookUrl,
            webhook_secret: webhookSecret,
            installations: [
              { installation_id: installationId, account: organization, repository_selection: 'all' },
              ...(tenants
                ? [{ installation_id: tenants.other.installationId, account: tenants.other.organization, repository_selection: 'all' }]
                : []),
            ],
          },
        ],
      },
    },
  })
  const privateKey = emulator.generatedSecrets.find((s) => s.kind === 'github.app_private_key' && s.id === String(appId))?.value
  if (!privateKey) throw new Error('the GitHub emulator did not generate a private key for the app')
  return {
    emulator,
    url: emulator.url,
    app: { appId, slug, privateKey, webhookSecret, installationId },
    organization,
    repository,
    maintainer,
    outsider,
    ...(tenants ? { tenants } : {}),
  }
}
