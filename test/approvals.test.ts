import { beforeEach, describe, expect, it } from 'vitest'
import { getWorkItem } from '../src/store/work-items.ts'
import { commentAs, labelsOnGitHub, openPullRequest, poll, useTestCompany, openSettledIssue } from './helpers/test-company.ts'

describe('approvals, hidden and unknown commands, unknown agents (emulated GitHub, scripted model)', () => {
  const c = useTestCompany({ model: true, app: { owners: ['maya'] } })
  beforeEach(async () => {
    c.model.reset()
    // Each test's item is the only one its agent can claim.
    await c.db.pool.query("update work_items set status = 'done' where status in ('todo', 'blocked', 'needs-approval')")
  })

  const repository = () => c.github.repository
  const item = (number: number) => getWorkItem(c.db.pool, repository(), number)
  const run = (agent: string) => c.gaffer!.heartbeats.runNow(repository(), agent)
  const comments = async (number: number) =>
    (await c.maya.issues.listComments({ owner: c.owner, repo: c.repo, issue_number: number })).data.map((x) => x.body ?? '')
  const say = (who: 'maya' | 'oscar', number: number, body: string) => commentAs(c, who, number, body)
  /** An issue the maintainer opens herself and gives to an agent. */
  const mayasIssue = (title: string, agent: string) => openSettledIssue(c, { title, labels: [`agent:${agent}`] })

  it("the issue's author answers the agent's approval request; an outsider and hidden commands do nothing", async () => {
    const number = await mayasIssue('Drop the legacy table', 'frontend-engineer')
    c.model.script({ toolCalls: [{ name: 'request_approval', arguments: { summary: 'I want to drop legacy_widgets.' } }] })
    await run('frontend-engineer')
    expect(await item(number)).toMatchObject({ status: 'needs-approval', author: 'maya' })

    await say('oscar', number, '/approve')
    expect((await item(number))?.status).toBe('needs-approval')
    expect((await comments(number)).at(-1)).toMatch(/^@oscar `\/approve` refused: \/approve needs write access/)
    const before = (await comments(number)).length
    await say('maya', number, 'Not yet.\n<!--\n/approve\n-->')
    await say('maya', number, 'Output:\n<pre>\n/approve\n</pre>')
    expect((await item(number))?.status).toBe('needs-approval')
    expect(await comments(number)).toHaveLength(before + 2)

    await say('maya', number, '/approve go ahead')

    expect((await item(number))?.status).toBe('todo')
    expect(await labelsOnGitHub(c, number)).toEqual(['agent:frontend-engineer', 'status:todo'])
    const approvals = await c.db.pool.query('select actor, decision, note from approvals where number = $1', [number])
    expect(approvals.rows).toEqual([{ actor: 'maya', decision: 'approve', note: 'go ahead' }])
  })

  it('/approve with nothing pending says what the item is doing and changes nothing', async () => {
    const number = (
      await c.maya.issues.create({ owner: c.owner, repo: c.repo, title: 'Write the guide', labels: ['agent:docs-writer', 'status:review'] })
    ).data.number
    await expect.poll(async () => (await item(number))?.status, poll).toBe('review')

    await say('maya', number, '/approve')

    expect((await comments(number)).at(-1)).toMatch(
      new RegExp(`^@maya nothing here waits for an approval; #${number} is in review; approvals go to its pull request\\. Nothing was changed\\.`),
    )
    expect((await item(number))?.status).toBe('review')
    expect((await c.db.pool.query('select 1 from approvals where number = $1', [number])).rowCount).toBe(0)
  })

  it('an unknown command on a blocked item gets one reply and does not unblock it', async () => {
    const number = await mayasIssue('Pick a queue', 'backend-engineer')
    c.model.script({ toolCalls: [{ name: 'set_status', arguments: { status: 'blocked', reason: 'Which queue?' } }] })
    await run('backend-engineer')
    expect((await item(number))?.status).toBe('blocked')
    const before = (await comments(number)).length

    await say('maya', number, '/frobnicate')
    await say('maya', number, '/unblok use SQS')

    expect((await item(number))?.status).toBe('blocked')
    const after = await comments(number)
    expect(after).toHaveLength(before + 4)
    expect(after.at(-3)).toMatch(/^@maya unknown command \/frobnicate; the commands are \/approve, \/reject, /)
    expect(after.at(-1)).toMatch(/^@maya unknown command \/unblok; the commands are /)
    const audit = await c.db.pool.query('select action, outcome from audit_log where target = $1 and actor = $2 order by id', [number, 'maya'])
    expect(audit.rows).toEqual([
      { action: '/frobnicate', outcome: 'unknown command' },
      { action: '/unblok', outcome: 'unknown command' },
    ])
  })

  it("a pull request's author cannot approve it", async () => {
    const pr = await openPullRequest(c, { by: 'maya', branch: 'maya-fix', title: 'A fix' })
    await expect.poll(async () => (await item(pr))?.kind, poll).toBe('pull')

    await say('maya', pr, '/approve')

    expect((await comments(pr)).at(-1)).toMatch(/^@maya `\/approve` refused: the author of a pull request cannot approve it/)
    expect((await c.db.pool.query('select 1 from approvals where number = $1', [pr])).rowCount).toBe(0)
  })

  it("a GitHub APPROVED review by the pull request's own author does not count toward the gate", async () => {
    const pr = await openPullRequest(c, { by: 'maya', branch: 'maya-self-approve', title: 'Approve myself' })
    await expect.poll(async () => (await item(pr))?.status, poll).toBe('todo')
    const { data: pull } = await c.maya.pulls.get({ owner: c.owner, repo: c.repo, pull_number: pr })

    const { data: review } = await c.maya.pulls.createReview({ owner: c.owner, repo: c.repo, pull_number: pr, event: 'APPROVE' })

    expect(review.state).toBe('APPROVED')
    // The gate is decided again only once the review's webhook is processed; before that 0/1 would prove nothing.
    const processed = async () =>
      (await c.db.pool.query('select 1 from webhook_deliveries where processed_at is not null and payload @> $1', [{ review: { id: review.id } }]))
        .rowCount
    await expect.poll(processed, poll).toBe(1)
    await c.gaffer!.deliveries.idle()
    const { data: checks } = await c.maya.checks.listForRef({ owner: c.owner, repo: c.repo, ref: pull.head.sha, check_name: 'Gaffer quality gate' })
    expect(checks.check_runs[0]?.output.summary).toContain('Human approvals: 0/1')
  })

  it('an agent label naming nobody gets one note listing the agents, and nothing else', async () => {
    const number = (await c.maya.issues.create({ owner: c.owner, repo: c.repo, title: 'Who?', labels: ['agent:nobody'] })).data.number
    const notes = async () => (await comments(number)).filter((body) => body.includes('There is no agent `nobody`'))
    await expect.poll(async () => (await notes()).length, poll).toBe(1)
    expect((await notes())[0]).toContain('`agent:backend-engineer`')

    await c.maya.issues.addLabels({ owner: c.owner, repo: c.repo, issue_number: number, labels: ['bug'] })
    await expect.poll(async () => (await item(number))?.labels.includes('bug'), poll).toBe(true)
    await c.gaffer!.deliveries.idle()

    expect(await notes()).toHaveLength(1)
    expect(await labelsOnGitHub(c, number)).toEqual(['agent:nobody', 'bug'])
    expect((await item(number))?.status).toBeNull()
  })
})
