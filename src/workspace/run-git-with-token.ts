import { installationToken } from '../github/installation-token.ts'
import type { Octokit } from '../github/octokit.ts'
import { noteGithubWrite } from '../quota/quota-priority.ts'
import { runGit } from './run-git.ts'

/** Where a repository's git lives: the GitHub's git base URL (`https://github.com`) and `owner/name`. */
export type GitRemote = { gitBase: string; repository: string }

export function remoteUrl(remote: GitRemote): string {
  return `${remote.gitBase}/${remote.repository}.git`
}

/** What git prints when the server refused its credentials (401, 403, or GitHub's 404 for a repository the token cannot see). */
const REFUSED = /Authentication failed|could not read Username|terminal prompts disabled|returned error: 40[134]|repository '[^']*' not found/

/**
 * One git command that talks to GitHub (clone, fetch, push), authenticated with the
 * installation token the way GitHub asks for it (HTTP basic auth as `x-access-token`).
 * The token reaches git as an HTTP header in `GIT_CONFIG_*` variables of this one
 * process: not in argv (other users' `ps` shows that), not in the remote URL (git writes
 * that into `.git/config`), and never where the CLI could read it. A refused token
 * becomes an error that says what to check; `access` is what the command needs.
 */
export async function runGitWithToken(octokit: Octokit, remote: GitRemote, args: readonly string[], access: 'read' | 'write'): Promise<string> {
  const token = await installationToken(octokit)
  // A push is a write a claim's work cannot take back, as an API write is (SPEC §17).
  if (access === 'write') noteGithubWrite()
  const header = `Authorization: Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`
  try {
    return await runGit(args, {
      env: { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: `http.${remote.gitBase}/.extraHeader`, GIT_CONFIG_VALUE_0: header },
    })
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    if (!REFUSED.test(message)) throw error
    const verb = args.find((arg) => ['clone', 'fetch', 'push'].includes(arg)) ?? 'command'
    throw new Error(
      `GitHub refused the app's installation token for the git ${verb} of ${remote.repository} (${remoteUrl(remote)}): ${gitReason(message)}. ` +
        `Check that the app is installed on ${remote.repository} with Contents: ${access} permission, and that the git URL ${remote.gitBase} ` +
        '(GAFFER_GIT_URL, or the one derived from GITHUB_API_URL) belongs to the same GitHub as the API.',
      { cause: error },
    )
  }
}

/** git's own words for the refusal, its `fatal:` line if there is one. */
function gitReason(message: string): string {
  const fatal = message.split('\n').find((line) => line.includes('fatal:'))
  return (fatal ?? message.split('\n').at(-1) ?? message).replace(/^.*fatal:\s*/, '').trim()
}
