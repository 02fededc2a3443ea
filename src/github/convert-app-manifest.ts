import { request } from '@octokit/request'
import { z } from 'zod'

const Conversion = z.object({
  id: z.int(),
  slug: z.string(),
  name: z.string(),
  html_url: z.string(),
  pem: z.string(),
  webhook_secret: z.string().nullable(),
  owner: z.object({ login: z.string() }).nullable().optional(),
})

/** A GitHub App just created from a manifest, with the credentials Gaffer runs on. */
export type ConvertedApp = {
  id: number
  slug: string
  name: string
  htmlUrl: string
  owner: string | undefined
  privateKey: string
  /** GitHub generates one for an App with a webhook URL; null otherwise. */
  webhookSecret: string | null
}

/**
 * The last step of GitHub's manifest flow: the temporary `code` GitHub handed to the
 * redirect is exchanged (`POST /app-manifests/{code}/conversions`, no authentication)
 * for the new App's id, private key and webhook secret. A code works once, within an hour.
 * The client id and secret GitHub also returns are for OAuth, which Gaffer does not use.
 * A bare request, no Octokit: there is no token yet, and `gaffer register` runs from a
 * production install, which has no `@octokit/rest` (a development dependency).
 */
export async function convertAppManifest(apiUrl: string, code: string): Promise<ConvertedApp> {
  const { data } = await request('POST /app-manifests/{code}/conversions', { baseUrl: apiUrl, code, headers: { 'user-agent': 'gaffer-register' } })
  const app = Conversion.parse(data)
  return {
    id: app.id,
    slug: app.slug,
    name: app.name,
    htmlUrl: app.html_url,
    owner: app.owner?.login,
    privateKey: app.pem,
    webhookSecret: app.webhook_secret,
  }
}
