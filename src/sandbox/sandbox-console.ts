import { Octokit } from '@octokit/rest'
import { actAsPerson } from '../github/act-as-person.ts'
import type { SandboxConsole } from '../web/sandbox-console.ts'
import type { EmulatedGitHub } from './emulated-github.ts'

/** The dashboard console of a sandbox: its maintainer and its outsider, each with their own token on the emulated GitHub. */
export function sandboxConsoleFor(github: EmulatedGitHub): SandboxConsole {
  const person = (who: EmulatedGitHub['maintainer'], name: string) => ({
    login: who.login,
    name,
    access: who.access,
    actions: actAsPerson(new Octokit({ baseUrl: github.url, auth: who.token }), github.repository),
  })
  return { repository: github.repository, people: [person(github.maintainer, 'the maintainer'), person(github.outsider, 'an outsider')] }
}
