import { Probot, ProbotOctokit } from 'probot'
import type { AppManifest } from '../config/app-manifest.ts'
import type { GitHubAppCredentials } from '../config/env.ts'
import { listInstallationRepositories } from '../github/list-installation-repositories.ts'
import { listInstallations } from '../github/list-installations.ts'
import { readApp } from '../github/read-app.ts'
import { readDefaultBranch } from '../github/read-repository.ts'
import type { Logger } from '../log.ts'
import { messageWithCause } from '../message-with-cause.ts'
import type { DoctorLine } from './doctor-line.ts'
import { githubAppVerdict, type InstallationProbe } from './github-app-verdict.ts'

/**
 * Authenticates as the App (`GET /app`), compares it with app.yml, then acts as each
 * installation and reads each of its repositories: one request per repository. Retries
 * are off, so an unreachable GitHub is reported at once instead of after back-offs.
 */
export async function checkGitHubApp(input: {
  app: GitHubAppCredentials | undefined
  githubApiUrl: string
  manifest: AppManifest
  log: Logger
}): Promise<DoctorLine[]> {
  const { manifest, githubApiUrl: apiUrl } = input
  if (!input.app) return githubAppVerdict(manifest, { kind: 'not-configured' })
  const probot = new Probot({
    appId: input.app.appId,
    privateKey: input.app.privateKey,
    secret: input.app.webhookSecret,
    baseUrl: apiUrl,
    log: input.log,
    Octokit: ProbotOctokit.defaults({ retry: { enabled: false }, throttle: { enabled: false } }),
  })
  let app
  try {
    app = await readApp(await probot.auth())
  } catch (error) {
    return githubAppVerdict(manifest, { kind: 'error', apiUrl, appId: input.app.appId, ...requestFailure(error) })
  }
  let installations: InstallationProbe[] | { error: string }
  try {
    installations = await Promise.all((await listInstallations(probot)).map((installation) => probeInstallation(probot, installation)))
  } catch (error) {
    installations = { error: requestFailure(error).message }
  }
  return githubAppVerdict(manifest, { kind: 'app', apiUrl, app, installations })
}

async function probeInstallation(probot: Probot, installation: Awaited<ReturnType<typeof listInstallations>>[number]): Promise<InstallationProbe> {
  if (installation.suspended) return { installation, repositories: [] }
  try {
    const octokit = await probot.auth(installation.id)
    const repositories = []
    for (const repository of await listInstallationRepositories(octokit, installation.account)) {
      try {
        await readDefaultBranch(octokit, repository.fullName)
        repositories.push({ fullName: repository.fullName })
      } catch (error) {
        repositories.push({ fullName: repository.fullName, error: describeFailure(requestFailure(error)) })
      }
    }
    return { installation, repositories }
  } catch (error) {
    return { installation, error: describeFailure(requestFailure(error)) }
  }
}

/** An HTTP status only when GitHub answered; a request that never got an answer has none. */
function requestFailure(error: unknown): { status: number | undefined; message: string } {
  const e = error as { status?: unknown; response?: unknown }
  const status = e.response !== undefined && typeof e.status === 'number' ? e.status : undefined
  return { status, message: messageWithCause(error) }
}

function describeFailure(failure: { status: number | undefined; message: string }): string {
  return failure.status === undefined ? failure.message : `${failure.status} ${failure.message}`
}
