import { describe, expect, it } from 'vitest'
import type { RosterProblem } from '../src/roster/parse-agent-file.ts'
import { buildRoster, formatOrgChart, formatProblems, loadRosterDir, shippedAgentsDir, type AgentSource } from '../src/roster/load-roster.ts'
import type { Roster } from '../src/roster/roster.ts'

/** One AGENTS.md to render: front-matter fields (as YAML), then a body. */
type Draft = {
  slug: string
  fields: Record<string, unknown>
  body: string
  /** Replaces the rendered front matter verbatim, e.g. to write invalid YAML. */
  rawFrontMatter?: string
  /** Omits the `---` block entirely. */
  noFrontMatter?: boolean
}

const fileOf = (slug: string) => `agents/${slug}/AGENTS.md`

function render(draft: Draft): string {
  if (draft.noFrontMatter) return `${draft.body}\n`
  const yaml =
    draft.rawFrontMatter ??
    Object.entries(draft.fields)
      .filter(([, value]) => value !== undefined)
      .map(([key, value]) => `${key}: ${JSON.stringify(value)}`)
      .join('\n')
  return `---\n${yaml}\n---\n${draft.body}\n`
}

function toSources(drafts: readonly Draft[]): AgentSource[] {
  return drafts.map((draft) => ({ slug: draft.slug, file: fileOf(draft.slug), text: render(draft) }))
}

/** A valid three-level org: ceo ← vp-engineering ← backend-engineer. */
function validOrg(): Draft[] {
  return [
    {
      slug: 'ceo',
      fields: { name: 'CEO', role: 'ceo', heartbeat: '0 * * * *', tools: ['comment', 'delegate'] },
      body: '# CEO\n\nTurn goals into initiatives.',
    },
    {
      slug: 'vp-engineering',
      fields: { name: 'VP of Engineering', role: 'vp', reportsTo: 'ceo', heartbeat: '*/30 * * * *', tools: ['comment', 'delegate'] },
      body: '# VP of Engineering\n\nSplit initiatives into tasks.',
    },
    {
      slug: 'backend-engineer',
      fields: {
        name: 'Backend Engineer',
        role: 'specialist',
        reportsTo: 'vp-engineering',
        heartbeat: '*/15 * * * *',
        handles: ['area:backend'],
        tools: ['comment', 'set_status'],
      },
      body: '# Backend Engineer\n\nShip one pull request per item.',
    },
  ]
}

function draftOf(org: Draft[], slug: string): Draft {
  const draft = org.find((d) => d.slug === slug)
  if (!draft) throw new Error(`no draft ${slug} in the test org`)
  return draft
}

function buildValidRoster(): Roster {
  const result = buildRoster(toSources(validOrg()))
  expect(result.problems).toEqual([])
  if (!result.roster) throw new Error('the valid minimal org did not build')
  return result.roster
}

describe('the shipped org in agents/', () => {
  it('loads with no problems, one CEO, two VPs, and every chain ends at the CEO', async () => {
    const result = await loadRosterDir(shippedAgentsDir)

    expect(formatProblems(result.problems)).toBe('')
    const roster = result.roster!
    expect(roster.agents.filter((a) => a.role === 'ceo').map((a) => a.slug)).toEqual(['ceo'])
    expect(roster.agents.filter((a) => a.role === 'vp')).toHaveLength(2)
    for (const agent of roster.agents) {
      let current = agent
      for (let steps = 0; steps < roster.agents.length && current.slug !== roster.ceo.slug; steps++) {
        const manager = roster.managerOf(current.slug)
        expect(manager, `${agent.slug}'s chain breaks at ${current.slug}`).toBeDefined()
        current = manager!
      }
      expect(current.slug, `${agent.slug}'s chain of reportsTo`).toBe('ceo')
    }
  })
})

describe('buildRoster', () => {
  it('accepts the valid minimal org used by the rows below', () => {
    const result = buildRoster(toSources(validOrg()))

    expect(result.problems).toEqual([])
    expect(result.roster?.agents.map((a) => a.slug)).toEqual(['backend-engineer', 'ceo', 'vp-engineering'])
  })

  type BrokenOrg = {
    name: string
    mutate: (org: Draft[]) => void
    file: string
    field: string
    phrase: string
  }

  it.each<BrokenOrg>([
    {
      name: 'two CEOs',
      mutate: (org) => {
        const vp = draftOf(org, 'vp-engineering')
        vp.fields.role = 'ceo'
        delete vp.fields.reportsTo
      },
      file: fileOf('vp-engineering'),
      field: 'role',
      phrase: 'give this agent another role and a reportsTo',
    },
    {
      name: 'no CEO',
      mutate: (org) => {
        draftOf(org, 'ceo').fields.role = 'vp'
      },
      file: '(roster)',
      field: 'role',
      phrase: 'exactly one agent must be the CEO',
    },
    {
      name: 'the CEO has a reportsTo',
      mutate: (org) => {
        draftOf(org, 'ceo').fields.reportsTo = 'vp-engineering'
      },
      file: fileOf('ceo'),
      field: 'reportsTo',
      phrase: 'remove reportsTo',
    },
    {
      name: 'two non-CEO agents report to each other',
      mutate: (org) => {
        draftOf(org, 'vp-engineering').fields.reportsTo = 'backend-engineer'
      },
      file: fileOf('backend-engineer'),
      field: 'reportsTo',
      phrase: 'every chain must end at the CEO',
    },
    {
      name: 'an agent reports to itself',
      mutate: (org) => {
        draftOf(org, 'backend-engineer').fields.reportsTo = 'backend-engineer'
      },
      file: fileOf('backend-engineer'),
      field: 'reportsTo',
      phrase: 'cannot report to itself; name its manager',
    },
    {
      name: 'reportsTo names a missing agent',
      mutate: (org) => {
        draftOf(org, 'backend-engineer').fields.reportsTo = 'ghost'
      },
      file: fileOf('backend-engineer'),
      field: 'reportsTo',
      phrase: '"ghost" names no agent; use one of: ceo, vp-engineering',
    },
    {
      name: 'a non-CEO without reportsTo',
      mutate: (org) => {
        delete draftOf(org, 'backend-engineer').fields.reportsTo
      },
      file: fileOf('backend-engineer'),
      field: 'reportsTo',
      phrase: 'set it to the slug of its manager',
    },
    {
      name: 'a heartbeat that is not cron',
      mutate: (org) => {
        draftOf(org, 'backend-engineer').fields.heartbeat = 'every day'
      },
      file: fileOf('backend-engineer'),
      field: 'heartbeat',
      phrase: 'must be a valid 5-field cron expression',
    },
    {
      name: 'a 6-field cron with seconds',
      mutate: (org) => {
        draftOf(org, 'backend-engineer').fields.heartbeat = '0 */15 * * * *'
      },
      file: fileOf('backend-engineer'),
      field: 'heartbeat',
      phrase: 'must be a valid 5-field cron expression',
    },
    {
      name: 'a missing heartbeat',
      mutate: (org) => {
        delete draftOf(org, 'backend-engineer').fields.heartbeat
      },
      file: fileOf('backend-engineer'),
      field: 'heartbeat',
      phrase: 'is required; add it, e.g. heartbeat: "*/30 * * * *"',
    },
    {
      name: 'an unknown tool',
      mutate: (org) => {
        draftOf(org, 'backend-engineer').fields.tools = ['comment', 'deploy_prod']
      },
      file: fileOf('backend-engineer'),
      field: 'tools[1]',
      phrase: '"deploy_prod" is not a tool; use one of: comment,',
    },
    {
      name: 'an unknown front-matter key',
      mutate: (org) => {
        draftOf(org, 'backend-engineer').fields.colour = 'red'
      },
      file: fileOf('backend-engineer'),
      field: 'colour',
      phrase: 'unknown key; remove it or check the spelling',
    },
    {
      name: 'invalid YAML',
      mutate: (org) => {
        draftOf(org, 'backend-engineer').rawFrontMatter = 'name: Backend Engineer\nrole: specialist\ntools: [comment, set_status'
      },
      file: fileOf('backend-engineer'),
      field: 'front matter',
      phrase: 'is not valid YAML',
    },
    {
      name: 'front matter that is not a mapping',
      mutate: (org) => {
        draftOf(org, 'backend-engineer').rawFrontMatter = '- name: Backend Engineer'
      },
      file: fileOf('backend-engineer'),
      field: 'front matter',
      phrase: 'must be a YAML mapping',
    },
    {
      name: 'a handles label claimed by two agents',
      mutate: (org) => {
        draftOf(org, 'vp-engineering').fields.handles = ['area:backend']
      },
      // Agents are checked in slug order, so the later slug is the second claimant.
      file: fileOf('vp-engineering'),
      field: 'handles[0]',
      phrase: 'label "area:backend" is already handled by backend-engineer',
    },
    {
      name: "a handles label that is one of Gaffer's own",
      mutate: (org) => {
        draftOf(org, 'backend-engineer').fields.handles = ['status:todo']
      },
      file: fileOf('backend-engineer'),
      field: 'handles[0]',
      phrase: 'route with a label of your own',
    },
    {
      name: 'review_pull_request on a non-reviewer',
      mutate: (org) => {
        draftOf(org, 'backend-engineer').fields.tools = ['comment', 'review_pull_request']
      },
      file: fileOf('backend-engineer'),
      field: 'tools[1]',
      phrase: 'only a reviewer may hold review_pull_request; remove it or set role: reviewer',
    },
    {
      name: 'delegate on an agent with no reports',
      mutate: (org) => {
        draftOf(org, 'backend-engineer').fields.tools = ['delegate']
      },
      file: fileOf('backend-engineer'),
      field: 'tools[0]',
      phrase: 'delegate needs direct reports and no agent reports to backend-engineer; remove it',
    },
    {
      name: 'a missing name',
      mutate: (org) => {
        delete draftOf(org, 'backend-engineer').fields.name
      },
      file: fileOf('backend-engineer'),
      field: 'name',
      phrase: 'is required; add it, e.g. name:',
    },
    {
      name: 'a bad role',
      mutate: (org) => {
        draftOf(org, 'backend-engineer').fields.role = 'boss'
      },
      file: fileOf('backend-engineer'),
      field: 'role',
      phrase: 'must be one of ceo, vp, specialist, reviewer',
    },
    {
      name: 'maxTurns above the limit',
      mutate: (org) => {
        draftOf(org, 'backend-engineer').fields.maxTurns = 500
      },
      file: fileOf('backend-engineer'),
      field: 'maxTurns',
      phrase: '50',
    },
    {
      name: 'a folder slug with upper-case letters',
      mutate: (org) => {
        draftOf(org, 'backend-engineer').slug = 'Backend-Engineer'
      },
      file: fileOf('Backend-Engineer'),
      field: 'slug',
      phrase: 'must use only a-z, 0-9 and "-"; rename the folder',
    },
    {
      name: 'no front matter at all',
      mutate: (org) => {
        draftOf(org, 'backend-engineer').noFrontMatter = true
      },
      file: fileOf('backend-engineer'),
      field: 'front matter',
      phrase: 'must start with YAML front matter between two "---" lines',
    },
    {
      name: 'an empty body',
      mutate: (org) => {
        draftOf(org, 'backend-engineer').body = '  \n\n'
      },
      file: fileOf('backend-engineer'),
      field: 'body',
      phrase: "write the agent's instructions below the front matter",
    },
    {
      name: 'a bad timezone',
      mutate: (org) => {
        draftOf(org, 'backend-engineer').fields.timezone = 'Mars/Olympus_Mons'
      },
      file: fileOf('backend-engineer'),
      field: 'timezone',
      phrase: 'must be an IANA time zone such as UTC',
    },
  ])('rejects $name, naming the file, the field and the fix', ({ mutate, file, field, phrase }) => {
    const org = validOrg()
    mutate(org)

    const result = buildRoster(toSources(org))

    expect(result.roster).toBeUndefined()
    expect(result.problems).toContainEqual({ file, field, message: expect.stringContaining(phrase) })
  })

  it('rejects an empty folder, asking for at least a CEO', () => {
    const result = buildRoster([])

    expect(result.roster).toBeUndefined()
    expect(result.problems).toEqual([{ file: '(roster)', field: 'agents', message: expect.stringContaining('add at least a CEO') }])
  })

  it('says a wrong-typed value has the wrong type instead of calling it missing', () => {
    const org = validOrg()
    draftOf(org, 'backend-engineer').fields.tools = 'comment'

    const result = buildRoster(toSources(org))

    expect(result.problems).toContainEqual({
      file: fileOf('backend-engineer'),
      field: 'tools',
      message: expect.stringContaining('must be a list of tool names'),
    })
  })

  it('reports every problem at once, across files', () => {
    const org = validOrg()
    draftOf(org, 'backend-engineer').fields.heartbeat = 'every day'
    draftOf(org, 'vp-engineering').fields.colour = 'red'
    draftOf(org, 'ceo').fields.timezone = 'Nowhere/Special'

    const result = buildRoster(toSources(org))

    expect(result.problems.length).toBeGreaterThanOrEqual(3)
    expect(result.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ file: fileOf('backend-engineer'), field: 'heartbeat' }),
        expect.objectContaining({ file: fileOf('vp-engineering'), field: 'colour' }),
        expect.objectContaining({ file: fileOf('ceo'), field: 'timezone' }),
      ]),
    )
  })

  it('fills in defaults for omitted keys: maxConcurrent 1, maxTurns 8, handles []', () => {
    const roster = buildValidRoster()

    const vp = roster.get('vp-engineering')

    expect(vp).toMatchObject({ maxConcurrent: 1, maxTurns: 8, handles: [] })
  })

  it('keeps the body as the agent instructions and routes handled labels', () => {
    const roster = buildValidRoster()

    expect(roster.get('backend-engineer')?.instructions).toBe('# Backend Engineer\n\nShip one pull request per item.')
    expect(roster.handlerOf('area:backend')?.slug).toBe('backend-engineer')
    expect(roster.ceo.slug).toBe('ceo')
  })
})

describe('formatProblems', () => {
  it('renders one line per problem as file: field: message', () => {
    const problems: RosterProblem[] = [
      { file: 'agents/ceo/AGENTS.md', field: 'role', message: 'a second CEO' },
      { file: 'agents/vp/AGENTS.md', field: 'tools[0]', message: '"x" is not a tool' },
    ]

    const text = formatProblems(problems)

    expect(text.split('\n')).toEqual(['agents/ceo/AGENTS.md: role: a second CEO', 'agents/vp/AGENTS.md: tools[0]: "x" is not a tool'])
  })

  it('gives each problem of a broken org its own line', () => {
    const org = validOrg()
    draftOf(org, 'backend-engineer').fields.heartbeat = 'every day'
    draftOf(org, 'vp-engineering').fields.colour = 'red'

    const result = buildRoster(toSources(org))
    const lines = formatProblems(result.problems).split('\n')

    expect(lines).toHaveLength(result.problems.length)
    expect(lines).toContain(`${fileOf('backend-engineer')}: heartbeat: ${result.problems.find((p) => p.field === 'heartbeat')!.message}`)
  })
})

describe('formatOrgChart', () => {
  it('indents the specialist under the VP under the CEO', () => {
    const roster = buildValidRoster()

    const chart = formatOrgChart(roster)

    expect(chart.split('\n')).toEqual([
      'ceo (ceo: CEO)  heartbeat "0 * * * *"',
      '  vp-engineering (vp: VP of Engineering)  heartbeat "*/30 * * * *"',
      '    backend-engineer (specialist: Backend Engineer)  heartbeat "*/15 * * * *"  handles area:backend',
    ])
  })
})

describe('problems that are only echoes of a broken file', () => {
  it('are not reported while the file they depend on fails to parse', () => {
    const text = (front: string) => `---\n${front}\n---\nDo the work.\n`
    const sources = [
      { slug: 'ceo', file: 'agents/ceo/AGENTS.md', text: text('name: CEO\nrole: ceo\nheartbeat: "0 * * * *"\ntools: [delegate]') },
      { slug: 'vp', file: 'agents/vp/AGENTS.md', text: text('name: VP\nrole: vp\nreportsTo: ceo\nheartbeat: "0 * * * *"\ntools: [delegate]') },
      { slug: 'dev', file: 'agents/dev/AGENTS.md', text: text('name: Dev\nrole: specialist\nreportsTo: vp\nheartbeat: "whenever"') },
    ]

    const result = buildRoster(sources)

    expect(result.problems).toEqual([expect.objectContaining({ file: 'agents/dev/AGENTS.md', field: 'heartbeat' })])
  })
})
