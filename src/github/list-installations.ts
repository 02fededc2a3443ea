import type { Probot } from 'probot'
import { z } from 'zod'

const InstallationList = z.array(z.object({ id: z.int(), account: z.object({ login: z.string() }).nullable() }))

export type AppInstallation = { id: number; account: string }

/** Every installation of the app, with the login of the account it is installed on ('' when GitHub gives none). */
export async function listInstallations(probot: Probot): Promise<AppInstallation[]> {
  const appOctokit = await probot.auth()
  const installations = InstallationList.parse(await appOctokit.paginate('GET /app/installations', { per_page: 100 }))
  return installations.map((installation) => ({ id: installation.id, account: installation.account?.login ?? '' }))
}
