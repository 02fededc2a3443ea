import { z } from 'zod'
import type { Octokit } from './octokit.ts'

const AppInfo = z.object({
  id: z.int(),
  slug: z.string(),
  name: z.string().optional(),
  html_url: z.string().optional(),
  owner: z.object({ login: z.string(), type: z.string().optional() }).nullable().optional(),
  permissions: z.record(z.string(), z.string()).optional(),
  events: z.array(z.string()).optional(),
})

/** The GitHub App as GitHub has it registered. */
export type RegisteredApp = {
  id: number
  slug: string
  name: string
  /** The App's public page, e.g. https://github.com/apps/<slug> (absent from some GitHub APIs). */
  htmlUrl: string | undefined
  /** Who owns the registration; its settings page is under that account. */
  owner: { login: string; type: string } | undefined
  permissions: Record<string, string>
  events: string[]
}

/** Asks GitHub who the app is (`GET /app`, with the app's own Octokit: `probot.auth()`). */
export async function readApp(appOctokit: Pick<Octokit, 'request'>): Promise<RegisteredApp> {
  const app = AppInfo.parse((await appOctokit.request('GET /app')).data)
  return {
    id: app.id,
    slug: app.slug,
    name: app.name ?? app.slug,
    htmlUrl: app.html_url,
    owner: app.owner ? { login: app.owner.login, type: app.owner.type ?? 'User' } : undefined,
    permissions: app.permissions ?? {},
    events: app.events ?? [],
  }
}
