import { Octokit } from '@octokit/rest'
import type { EmulatedGitHub } from './emulated-github.ts'

/**
 * The issues the sandbox opens as the maintainer, so the company has work as soon as it
 * starts: a goal whose nested task list the CEO and the VPs fan out (each top-level
 * task to the VP its label names, each nested task to that VP's specialist), two items
 * routed straight to a specialist, a question that is blocked and escalated to maya,
 * and an issue nobody routes. With the rehearsal model each becomes a pull request and
 * a review, or an escalation, within about a minute (docs/sandbox.md).
 */
export async function seedDemoIssues(github: EmulatedGitHub): Promise<void> {
  const maya = new Octokit({ baseUrl: github.url, auth: github.maintainer.token })
  const [owner, repo] = github.repository.split('/') as [string, string]
  const issues = [
    {
      title: 'Launch the widget catalogue',
      labels: ['gaffer:goal'],
      body: [
        'Customers should be able to browse and search every widget we sell.',
        '',
        '- [ ] Catalogue API and page with search (area:engineering)',
        '  - [ ] Catalogue API with a search parameter (area:backend)',
        '  - [ ] Catalogue page with a search box (area:frontend)',
        '- [ ] Catalogue documentation and launch note (area:product)',
        '  - [ ] Catalogue guide and launch note (area:docs)',
      ].join('\n'),
    },
    {
      title: 'Prices round down instead of to the nearest cent',
      labels: ['area:backend', 'priority:p1'],
      body: 'A widget priced 10.005 shows 10.00.',
    },
    { title: 'Document how to add a widget', labels: ['area:docs'], body: 'The README says nothing about adding a widget.' },
    {
      title: 'Should the catalogue show prices with VAT included?',
      labels: ['area:frontend'],
      body: 'Shops in the EU must show prices with VAT; shops elsewhere usually do not. An agent cannot decide this: a person must answer.',
    },
    { title: 'Team lunch ideas', labels: [], body: 'Not for the agents: nobody routes this, so Gaffer leaves it alone.' },
  ]
  for (const issue of issues) await maya.issues.create({ owner, repo, ...issue })
}
