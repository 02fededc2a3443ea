import type { Probot } from 'probot'
import { z } from 'zod'

const InstallationList = z.array(
  z.object({
    id: z.int(),
    account: z.object({ login: z.string() }).nullable(),
    html_url: z.string().optional(),
    permissions: z.record(z.string(), z.string()).optional(),
    suspended_at: z.string().nullable().optional(),
  }),
)

export type AppInstallation = {
  id: number
  account: string
  /** Where the account's owners manage the installation (and accept new permissions). */
  htmlUrl: string | undefined
  /** What the account granted; lags the App's own permissions until an owner accepts a change. */
  permissions: Record<string, string>
  suspended: boolean
}

/** Every installation of the app, with the login of the account it is installed on ('' when GitHub gives none). */
export async function listInstallations(probot: Probot): Promise<AppInstallation[]> {
  const appOctokit = await probot.auth()
  const installations = InstallationList.parse(await appOctokit.paginate('GET /app/installations', { per_page: 100 }))
  return installations.map((installation) => ({
    id: installation.id,
    account: installation.account?.login ?? '',
    htmlUrl: installation.html_url,
    permissions: installation.permissions ?? {},
    suspended: Boolean(installation.suspended_at),
  }))
}
