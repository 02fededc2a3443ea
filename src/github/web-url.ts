/**
 * Where people see what the API serves: github.com for api.github.com, the server itself
 * for GitHub Enterprise's `/api/v3`, and the API's own address otherwise (the emulated
 * GitHub serves its pages where it serves its API).
 */
export function githubWebUrl(apiUrl: string): string {
  const url = new URL(apiUrl)
  if (url.hostname === 'api.github.com') return 'https://github.com'
  const path = url.pathname.replace(/\/+$/, '').replace(/\/api\/v3$/, '')
  return `${url.origin}${path}`
}
