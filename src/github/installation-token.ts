import { z } from 'zod'
import type { Octokit } from './octokit.ts'

const Token = z.object({ token: z.string().min(1) })

/**
 * The installation's current access token, for a `git clone` over HTTPS. Probot's Octokit
 * caches and renews it; the caller hands it to one git command and keeps it nowhere.
 */
export async function installationToken(octokit: Octokit): Promise<string> {
  const auth = Token.safeParse(await octokit.auth({ type: 'installation' }))
  if (!auth.success) throw new Error('the GitHub client is not authenticated as an installation, so git cannot be given a token for the clone')
  return auth.data.token
}

/**
 * Where git finds the repositories of the GitHub whose REST API is `apiUrl`, or undefined
 * when that is not known: github.com serves its API on api.github.com, GitHub Enterprise
 * Server on `<host>/api/v3`; anything else (the emulated GitHub) has no git transport.
 */
export function gitBaseUrlFor(apiUrl: string): string | undefined {
  const url = new URL(apiUrl)
  if (url.protocol !== 'https:') return undefined
  if (url.hostname === 'api.github.com') return 'https://github.com'
  if (url.pathname.replace(/\/+$/, '') === '/api/v3') return `https://${url.host}`
  return undefined
}

/** The REST API base URL an Octokit sends its requests to. */
export function apiBaseUrlOf(octokit: Octokit): string {
  return octokit.request.endpoint.DEFAULTS.baseUrl
}
