/** Where an App is registered: GitHub's "new App" form for an account, and the API that exchanges the code. */
export type RegistrationTarget = {
  /** The form the manifest is posted to. */
  newAppUrl: string
  /** The REST API of that GitHub, for `POST /app-manifests/{code}/conversions` and for GITHUB_API_URL. */
  apiUrl: string
  /** True for github.com, whose API is the default GITHUB_API_URL. */
  isGitHubCom: boolean
}

/**
 * github.com, or a GitHub Enterprise Server at `githubUrl` (its API under `/api/v3`); the
 * App belongs to the signed-in person, or to the organization `org`.
 */
export function registrationTarget(options: { githubUrl?: string; org?: string }): RegistrationTarget | { problem: string } {
  const githubUrl = options.githubUrl ?? 'https://github.com'
  if (!URL.canParse(githubUrl) || !/^https?:$/.test(new URL(githubUrl).protocol)) {
    return {
      problem: `--github-url: expected the address of GitHub or a GitHub Enterprise Server, e.g. https://ghe.example.com (got ${JSON.stringify(githubUrl)})`,
    }
  }
  if (options.org !== undefined && !/^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/.test(options.org)) {
    return { problem: `--org: expected an organization's login, e.g. --org acme (got ${JSON.stringify(options.org)})` }
  }
  const url = new URL(githubUrl)
  const web = `${url.origin}${url.pathname.replace(/\/+$/, '')}`
  const isGitHubCom = url.hostname === 'github.com' || url.hostname === 'www.github.com'
  const account = options.org === undefined ? '' : `/organizations/${options.org}`
  return {
    newAppUrl: `${isGitHubCom ? 'https://github.com' : web}${account}/settings/apps/new`,
    apiUrl: isGitHubCom ? 'https://api.github.com' : `${web}/api/v3`,
    isGitHubCom,
  }
}
