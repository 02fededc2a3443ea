import { Octokit } from '@octokit/rest'
import type { EmulatedGitHub } from './emulated-github.ts'

/** Opens a few issues as the maintainer, so the sandbox shows routing as soon as it starts. */
export async function seedDemoIssues(github: EmulatedGitHub): Promise<void> {
  const maya = new Octokit({ baseUrl: github.url, auth: github.maintainer.token })
  const [owner, repo] = github.repository.split('/') as [string, string]
  const issues = [
    {
      title: 'Launch the widget catalogue',
      labels: ['gaffer:goal'],
      body: 'Customers should be able to browse and search every widget we sell.\n\n- [ ] Catalogue API and page with search (area:engineering)\n- [ ] Catalogue documentation and launch note (area:product)',
    },
    {
      title: 'Prices round down instead of to the nearest cent',
      labels: ['area:backend', 'priority:p1'],
      body: 'A widget priced 10.005 shows 10.00.',
    },
    { title: 'Document how to add a widget', labels: ['area:docs'], body: 'The README says nothing about adding a widget.' },
    { title: 'Team lunch ideas', labels: [], body: 'Not for the agents: nobody routes this, so Gaffer leaves it alone.' },
  ]
  for (const issue of issues) await maya.issues.create({ owner, repo, ...issue })
}
