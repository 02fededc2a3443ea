import { beforeEach, describe, expect, it } from 'vitest'
import { getWorkItem } from '../src/store/work-items.ts'
import { commentAs, labelsOnGitHub, poll, settleWebhooks, useTestCompany } from './helpers/test-company.ts'

describe('escalation, approvals and commands (emulated GitHub, scripted model)', () => {
  const c = useTestCompany({ model: true, app: { owners: ['maya'] } })
  beforeEach(async () => {
    c.model.reset()
    await c.db.pool.query("update work_items set status = 'done' where status in ('todo', 'blocked')")
  })

  const repository = () => c.github.repository
  const item = (number: number) => getWorkItem(c.db.pool, repository(), number)
  const run = (agent: string) => c.gaffer!.heartbeats.runNow(repository(), agent)
  const comments = async (number: number) =>
    (await c.maya.issues.listComments({ owner: c.owner, repo: c.repo, issue_number: number })).data.map((x) => x.body ?? '')
  const say = (who: 'maya' | 'oscar', number: number, body: string) => commentAs(c, who, number, body)
  /**
   * An issue the outsider opened and the maintainer gave to an agent, as a request from outside
   * the team arrives: oscar comments as its author yet has no write access, so his refused
   * commands show that opening an issue grants none.
   */
  const outsiderIssue = async (title: string, agent: string) => {
    const number = (await c.oscar.issues.create({ owner: c.owner, repo: c.repo, title, body: 'Please help.' })).data.number
    await c.maya.issues.addLabels({ owner: c.owner, repo: c.repo, issue_number: number, labels: [`agent:${agent}`] })
    await expect.poll(async () => (await item(number))?.status, poll).toBe('todo')
    await settleWebhooks(c)
    return number
  }

  it('goes up the chain: specialist blocks, VP handles it before its own queue and escalates, CEO escalates to the humans', async () => {
    const number = await outsiderIssue('Pick a database', 'backend-engineer')
    c.model.script({ toolCalls: [{ name: 'set_status', arguments: { status: 'blocked', reason: 'Postgres or SQLite? The issue does not say.' } }] })
    await run('backend-engineer')
    expect(await item(number)).toMatchObject({
      status: 'blocked',
      escalated_to: 'vp-engineering',
      escalation_level: 1,
      blocked_reason: 'Postgres or SQLite? The issue does not say.',
    })
    expect((await comments(number)).join('\n')).toContain('Escalated to VP of Engineering (`vp-engineering`)')

    const own = await outsiderIssue('VP own work', 'vp-engineering')
    c.model.reset()
    c.model.script({ toolCalls: [{ name: 'escalate', arguments: { number, reason: 'This is a company-wide choice.' } }] })
    await run('vp-engineering')
    expect(String(c.model.requests[0]?.messages[1]?.content)).toMatch(new RegExp(`^Your direct report's item #${number} is blocked`))
    expect(String(c.model.requests.at(-1)?.messages[1]?.content)).toContain(`Work item #${own} `)
    // Escalating keeps the reason as the specialist gave it (the comment says who escalated and why).
    expect(await item(number)).toMatchObject({
      status: 'blocked',
      escalated_to: 'ceo',
      escalation_level: 2,
      blocked_reason: 'Postgres or SQLite? The issue does not say.',
    })

    c.model.script({ toolCalls: [{ name: 'escalate', arguments: { number, reason: 'The owners must choose.' } }] })
    await run('ceo')

    expect(await item(number)).toMatchObject({
      escalated_to: 'humans',
      escalation_level: 3,
      blocked_reason: 'Postgres or SQLite? The issue does not say.',
    })
    expect(await labelsOnGitHub(c, number)).toEqual(['agent:backend-engineer', 'needs-human', 'status:blocked'])
    expect((await comments(number)).join('\n')).toContain('Escalated by ceo to @maya: The owners must choose.')

    await say('oscar', number, '/unblock just use anything')
    expect((await item(number))?.status).toBe('blocked')
    expect((await comments(number)).at(-1)).toMatch(/^@oscar `\/unblock` refused: \/unblock needs write access/)

    await say('maya', number, '/unblock Use Postgres.')
    expect(await item(number)).toMatchObject({ status: 'todo', escalated_to: null, escalation_level: 0, owner_agent: 'backend-engineer' })
    expect(await labelsOnGitHub(c, number)).toEqual(['agent:backend-engineer', 'status:todo'])
    const audit = await c.db.pool.query(
      "select actor, action, outcome from audit_log where target = $1 and action in ('/unblock', 'escalate', 'block') order by id",
      [number],
    )
    expect(audit.rows.map((r) => [r.actor, r.action, r.outcome.split(':')[0]])).toEqual([
      ['backend-engineer', 'block', 'vp-engineering'],
      ['vp-engineering', 'escalate', 'ceo'],
      ['ceo', 'escalate', 'humans'],
      ['oscar', '/unblock', 'refused'],
      ['maya', '/unblock', 'unblocked'],
    ])
  })

  it('approvals: outsiders are refused, code blocks and edits do nothing, a writer approves', async () => {
    const number = await outsiderIssue('Delete old data', 'frontend-engineer')
    c.model.script({ toolCalls: [{ name: 'request_approval', arguments: { summary: 'I want to delete the 2019 widgets.' } }] })
    await run('frontend-engineer')
    expect((await item(number))?.status).toBe('needs-approval')
    expect((await comments(number)).join('\n')).toContain('@maya: approval needed.')

    await say('oscar', number, '/approve')
    expect((await item(number))?.status).toBe('needs-approval')
    await say('maya', number, 'Like this:\n```\n/approve\n```')
    expect((await item(number))?.status).toBe('needs-approval')
    const edited = await say('maya', number, 'thinking about it')
    await c.maya.issues.updateComment({ owner: c.owner, repo: c.repo, comment_id: edited, body: '/approve' })
    await new Promise((resolve) => setTimeout(resolve, 500))
    await c.gaffer!.deliveries.idle()
    expect((await item(number))?.status).toBe('needs-approval')

    await say('maya', number, '/approve go ahead')

    expect((await item(number))?.status).toBe('todo')
    const approvals = await c.db.pool.query('select actor, decision, note from approvals where number = $1', [number])
    expect(approvals.rows).toEqual([{ actor: 'maya', decision: 'approve', note: 'go ahead' }])
  })

  it("/pause stops an agent's heartbeats and /resume restarts them; /status answers", async () => {
    const number = await outsiderIssue('Write the FAQ', 'docs-writer')

    await say('maya', number, '/pause docs-writer')
    expect(await run('docs-writer')).toMatchObject({ outcome: 'skipped', error: 'paused' })
    await say('maya', number, '/resume docs-writer')
    c.model.script({ toolCalls: [{ name: 'set_status', arguments: { status: 'review' } }] })
    expect(await run('docs-writer')).toMatchObject({ outcome: 'worked' })

    await say('oscar', number, '/status')
    const status = (await comments(number)).at(-1)!
    expect(status).toContain('- owner: `docs-writer`')
    expect(status).toContain('- status: review')
    expect(status).toMatch(/- last run of the owner: worked at /)
  })

  it('moves an escalation up by itself when the manager leaves it for two of its heartbeats', async () => {
    const number = await outsiderIssue('Ignored', 'backend-engineer')
    c.model.script({ toolCalls: [{ name: 'set_status', arguments: { status: 'blocked', reason: 'Need credentials.' } }] })
    await run('backend-engineer')

    await run('vp-engineering')
    await run('vp-engineering')
    expect((await item(number))?.escalated_to).toBe('vp-engineering')
    await run('vp-engineering')

    expect(await item(number)).toMatchObject({ status: 'blocked', escalated_to: 'ceo', escalation_level: 2 })
    expect((await comments(number)).join('\n')).toContain('Escalated by gaffer to CEO (`ceo`): VP of Engineering left it unhandled for 2 heartbeats')
  })

  // Last in this file: the settings file stays on the repository.
  it("takes the escalation timeout and the owners to mention from the repository's .github/gaffer.yml", async () => {
    await c.maya.repos.createOrUpdateFileContents({
      owner: c.owner,
      repo: c.repo,
      path: '.github/gaffer.yml',
      message: 'settings: escalate faster, to other owners',
      content: Buffer.from('escalationTimeout: 1\nowners: [omar-owner]\n').toString('base64'),
    })
    await expect
      .poll(
        async () => (await c.db.pool.query('select settings_source from repositories where full_name = $1', [repository()])).rows[0]?.settings_source,
        poll,
      )
      .toBe('repository')
    const number = await outsiderIssue('Ignored faster', 'backend-engineer')
    c.model.script({ toolCalls: [{ name: 'set_status', arguments: { status: 'blocked', reason: 'Need credentials.' } }] })
    await run('backend-engineer')

    await run('vp-engineering')
    expect((await item(number))?.escalated_to).toBe('vp-engineering')
    // One heartbeat left unhandled is enough now (the shipped agents set no timeout of their own).
    await run('vp-engineering')
    expect(await item(number)).toMatchObject({ status: 'blocked', escalated_to: 'ceo' })
    await run('ceo')
    await run('ceo')

    expect(await item(number)).toMatchObject({ status: 'blocked', escalated_to: 'humans' })
    const said = (await comments(number)).join('\n')
    expect(said).toContain('Escalated by gaffer to @omar-owner: CEO left it unhandled for 1 heartbeats')
    expect(said).not.toContain('@maya')
  })
})
