import { describe, expect, it } from 'vitest'
import { labelsOnGitHub, poll, useTestCompany } from './helpers/test-company.ts'

const ADMIN_TOKEN = 'test-admin-token-0123456789'

type State = {
  repositories: Array<{ rosterError: string | null }>
  agents: Array<{ slug: string; role: string; reportsTo: string | null }>
  items: Array<{ number: number; status: string; owner: string; priority_score: number; priority_reason: string; delegation_depth: number }>
}

function agentFile(front: Record<string, string>): string {
  const yaml = Object.entries(front)
    .map(([key, value]) => `${key}: ${value}`)
    .join('\n')
  return `---\n${yaml}\n---\nDo the work you are given, carefully.\n`
}

const ceo = agentFile({ name: 'Chief', role: 'ceo', heartbeat: '"0 * * * *"', tools: '[comment, delegate]' })
const ops = (heartbeat: string) => agentFile({ name: 'Ops Engineer', role: 'specialist', reportsTo: 'chief', heartbeat, handles: '["area:ops"]' })

describe("a repository's own .github/agents roster", () => {
  const c = useTestCompany({ app: { adminToken: ADMIN_TOKEN } })

  const state = async (): Promise<State> => {
    const response = await fetch(`${c.gaffer!.url}/gaffer/api/state`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
    expect(response.status).toBe(200)
    return (await response.json()) as State
  }
  const put = (path: string, text: string, branch?: string) =>
    c.maya.repos.createOrUpdateFileContents({
      owner: c.owner,
      repo: c.repo,
      path,
      message: `update ${path}`,
      content: Buffer.from(text).toString('base64'),
      ...(branch ? { branch } : {}),
      sha: undefined,
    })
  const fileSha = async (path: string) => {
    const { data } = await c.maya.repos.getContent({ owner: c.owner, repo: c.repo, path })
    return (data as { sha: string }).sha
  }
  const openIssue = async (labels: string[]) =>
    (await c.maya.issues.create({ owner: c.owner, repo: c.repo, title: `Needs ${labels.join(', ')}`, labels })).data.number

  it('replaces the shipped org once merged to the default branch', async () => {
    await put('.github/agents/chief/AGENTS.md', ceo)
    await put('.github/agents/ops-engineer/AGENTS.md', ops('"*/10 * * * *"'))

    await expect.poll(async () => (await state()).agents.map((a) => a.slug).sort(), poll).toEqual(['chief', 'ops-engineer'])
    const number = await openIssue(['area:ops'])
    await expect.poll(() => labelsOnGitHub(c, number), poll).toEqual(['agent:ops-engineer', 'area:ops', 'status:todo'])
  })

  it('ignores agent files on a branch that is not the default branch', async () => {
    const { data: main } = await c.maya.git.getRef({ owner: c.owner, repo: c.repo, ref: 'heads/main' })
    await c.maya.git.createRef({ owner: c.owner, repo: c.repo, ref: 'refs/heads/experiment', sha: main.object.sha })
    await put(
      '.github/agents/feature-dev/AGENTS.md',
      agentFile({ name: 'Feature Dev', role: 'specialist', reportsTo: 'chief', heartbeat: '"0 * * * *"', handles: '["area:feature"]' }),
      'experiment',
    )
    const number = await openIssue(['area:feature'])

    await expect.poll(async () => (await state()).items.some((i) => i.number === number), poll).toBe(true)
    await c.gaffer!.deliveries.idle()
    expect(await labelsOnGitHub(c, number)).toEqual(['area:feature'])
    expect((await state()).agents.map((a) => a.slug)).not.toContain('feature-dev')
  })

  it('keeps the last valid roster when a broken one is merged, and shows the error', async () => {
    await c.maya.repos.createOrUpdateFileContents({
      owner: c.owner,
      repo: c.repo,
      path: '.github/agents/ops-engineer/AGENTS.md',
      message: 'break the cron',
      content: Buffer.from(ops('"every ten minutes"')).toString('base64'),
      sha: await fileSha('.github/agents/ops-engineer/AGENTS.md'),
    })

    await expect
      .poll(async () => (await state()).repositories[0]?.rosterError ?? '', poll)
      .toMatch(/ops-engineer\/AGENTS\.md: heartbeat: must be a valid 5-field cron/)
    const number = await openIssue(['area:ops'])
    await expect.poll(() => labelsOnGitHub(c, number), poll).toEqual(['agent:ops-engineer', 'area:ops', 'status:todo'])
  })

  it('reports agents and items in the state API, behind the admin token', async () => {
    const anonymous = await fetch(`${c.gaffer!.url}/gaffer/api/state`)
    const wrong = await fetch(`${c.gaffer!.url}/gaffer/api/state`, { headers: { authorization: 'Bearer nope' } })

    expect([anonymous.status, wrong.status]).toEqual([401, 401])
    const body = await state()
    expect(body.agents).toContainEqual(expect.objectContaining({ slug: 'ops-engineer', role: 'specialist', reportsTo: 'chief' }))
    expect(body.items[0]).toEqual(
      expect.objectContaining({ number: expect.any(Number), status: 'todo', owner: 'ops-engineer', priority_score: 250, delegation_depth: 0 }),
    )
  })
})
