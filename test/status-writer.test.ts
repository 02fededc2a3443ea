import { beforeEach, describe, expect, it } from 'vitest'
import type { WorkContext, WorkHook } from '../src/heartbeat/heartbeat.ts'
import { createLogger } from '../src/log.ts'
import { moveItem } from '../src/mirror/move-item.ts'
import { getWorkItem } from '../src/store/work-items.ts'
import { commentAs, deliverWebhook, labelsOnGitHub, poll, useTestCompany, openSettledIssue } from './helpers/test-company.ts'

/** The one status writer (SPEC §13): the table decides, labels move as deltas, a person's label edit is an event. */
describe('the status writer', () => {
  let behaviour: (context: WorkContext) => Promise<void>
  const work: WorkHook = async (context) => {
    await behaviour(context)
    return { tokens: 0, costUsd: 0 }
  }

  const c = useTestCompany({ app: { work } })
  beforeEach(() => {
    behaviour = async () => {}
  })

  const repository = () => c.github.repository
  const item = async (number: number) => (await getWorkItem(c.db.pool, repository(), number))!
  const openIssue = (title: string, labels: string[]) => openSettledIssue(c, { title, labels, body: 'details' })
  const label = async (number: number, name: string) => {
    await c.maya.issues.addLabels({ owner: c.owner, repo: c.repo, issue_number: number, labels: [name] })
  }
  const comments = async (number: number) =>
    (await c.maya.issues.listComments({ owner: c.owner, repo: c.repo, issue_number: number })).data.map((comment) => comment.body ?? '')
  const audit = async (number: number, action: string) =>
    (
      await c.db.pool.query('select actor, outcome, detail from audit_log where repository = $1 and target = $2 and action = $3 order by id', [
        repository(),
        number,
        action,
      ])
    ).rows

  it('keeps the last word of a person who holds, reassigns and releases an item while a heartbeat writes in between', async () => {
    const number = await openIssue('Race the labels', ['agent:backend-engineer'])
    await commentAs(c, 'maya', number, '/hold')
    await commentAs(c, 'maya', number, '/assign frontend-engineer')
    expect(await labelsOnGitHub(c, number)).toEqual(['agent:frontend-engineer', 'do-not-merge/hold', 'status:todo'])
    let started!: () => void
    const working = new Promise<void>((resolve) => (started = resolve))
    let release!: () => void
    const released = new Promise<void>((resolve) => (release = resolve))
    behaviour = async ({ setStatus }) => {
      started()
      await released
      await setStatus('submit_for_review')
    }

    const heartbeat = c.gaffer!.heartbeats.runNow(repository(), 'frontend-engineer')
    await working
    const stale = (await item(number)).labels
    await commentAs(c, 'maya', number, '/unhold')
    // The run writes from a copy that predates the /unhold (another replica's, or one whose echo is late).
    await c.db.pool.query('update work_items set labels = $3 where repository = $1 and number = $2', [repository(), number, stale])
    release()
    await heartbeat

    expect(await labelsOnGitHub(c, number)).toEqual(['agent:frontend-engineer', 'status:review'])
    expect((await item(number)).labels.sort()).toEqual(['agent:frontend-engineer', 'status:review'])
  })

  it('refuses a move the transition table does not allow, logs it, and changes nothing', async () => {
    const number = await openIssue('Not finished', ['agent:docs-writer'])
    const before = await item(number)
    const logs: unknown[] = []
    const log = createLogger('info', { write: (line: string) => void logs.push(JSON.parse(line)) })

    const moved = await moveItem(
      { pool: c.db.pool, botLogin: () => 'gaffer[bot]', log },
      await c.gaffer!.probot.auth(c.github.app.installationId),
      before,
      'finish',
      { actor: 'someone' },
    )

    expect(moved).toEqual({ ok: false, reason: 'finish is not allowed from todo (only from in-progress)' })
    // pino's level 40 is warn.
    expect(logs).toEqual([
      expect.objectContaining({
        level: 40,
        msg: 'refused status change: finish is not allowed from todo (only from in-progress)',
        item: `${repository()}#${number}`,
        event: 'finish',
        from: 'todo',
        actor: 'someone',
      }),
    ])
    expect(await labelsOnGitHub(c, number)).toEqual(['agent:docs-writer', 'status:todo'])
    expect((await item(number)).status).toBe('todo')
    expect(await audit(number, 'status.finish')).toEqual([
      { actor: 'someone', outcome: 'refused', detail: { from: 'todo', reason: 'finish is not allowed from todo (only from in-progress)' } },
    ])
  })

  it('reads a writer moving a blocked item to todo by label as an unblock', async () => {
    const number = await openIssue('Stuck on a question', ['agent:backend-engineer'])
    behaviour = async ({ setStatus }) => {
      await setStatus('block', 'which currency rounding rule applies?')
    }
    await c.gaffer!.heartbeats.runNow(repository(), 'backend-engineer')
    expect((await item(number)).status).toBe('blocked')

    await label(number, 'status:todo')

    await expect.poll(async () => (await item(number)).status, poll).toBe('todo')
    await c.gaffer!.deliveries.idle()
    expect(await labelsOnGitHub(c, number)).toEqual(['agent:backend-engineer', 'status:todo'])
    expect(await item(number)).toMatchObject({ blocked_reason: null, escalated_to: null })
    expect(await audit(number, 'status.label')).toEqual([
      { actor: c.github.maintainer.login, outcome: 'blocked → todo', detail: { label: 'status:todo', action: 'labeled' } },
    ])
  })

  it('puts back a status label a person moved to where the table does not go, and says why', async () => {
    const number = await openIssue('Skip the work', ['agent:backend-engineer'])

    await label(number, 'status:done')

    await expect.poll(async () => (await comments(number)).some((body) => body.includes('by hand was refused')), poll).toBe(true)
    await c.gaffer!.deliveries.idle()
    expect(await labelsOnGitHub(c, number)).toEqual(['agent:backend-engineer', 'status:todo'])
    expect((await item(number)).status).toBe('todo')
    const reply = (await comments(number)).find((body) => body.includes('by hand was refused'))!
    expect(reply).toContain('Gaffer does not move an item from todo to done')
    expect(reply).toContain('put back to `status:todo`')
    expect((await audit(number, 'status.label'))[0]).toMatchObject({ outcome: 'refused: Gaffer does not move an item from todo to done' })
  })

  it('puts back a status label a person removed', async () => {
    const number = await openIssue('Keep my status', ['agent:frontend-engineer'])

    await c.maya.issues.removeLabel({ owner: c.owner, repo: c.repo, issue_number: number, name: 'status:todo' })

    await expect.poll(() => labelsOnGitHub(c, number), poll).toEqual(['agent:frontend-engineer', 'status:todo'])
    expect((await item(number)).status).toBe('todo')
  })

  it('never takes a status from a webhook payload: a stale comment event showing status:done changes nothing', async () => {
    const number = await openIssue('Waits for a person', ['agent:docs-writer'])
    behaviour = async ({ setStatus }) => {
      await setStatus('request_approval', 'May I?')
    }
    await c.gaffer!.heartbeats.runNow(repository(), 'docs-writer')
    expect((await item(number)).status).toBe('needs-approval')
    const { data: issue } = await c.maya.issues.get({ owner: c.owner, repo: c.repo, issue_number: number })
    // What a payload built while a refused label edit was on the item would show: a status nobody was allowed to set.
    const payload = {
      action: 'created',
      issue: { ...issue, labels: [{ name: 'agent:docs-writer' }, { name: 'status:done' }], updated_at: new Date(Date.now() + 60_000).toISOString() },
      comment: { id: 987654321, body: 'ok', user: { login: c.github.maintainer.login, type: 'User' } },
      repository: { full_name: repository(), default_branch: 'main' },
      installation: { id: c.github.app.installationId },
      sender: { login: c.github.maintainer.login, type: 'User' },
    }
    const response = await deliverWebhook(c, 'issue_comment', JSON.stringify(payload), { id: `stale-${number}` })
    expect(response.status).toBe(202)
    await c.gaffer!.deliveries.idle()
    await expect
      .poll(
        async () =>
          (await c.db.pool.query('select processed_at from webhook_deliveries where delivery_id = $1', [`stale-${number}`])).rows[0]?.processed_at,
        poll,
      )
      .toBeTruthy()

    expect((await item(number)).status).toBe('needs-approval')
  })

  it('lets a run move only the item it still holds: after its lease lapsed and another run claimed it, its write changes nothing', async () => {
    const number = await openIssue('Claimed twice', ['agent:docs-writer', 'priority:p0'])
    let moved: boolean | undefined
    behaviour = async ({ item, setStatus }) => {
      // What another replica's claim after this run's lapsed lease leaves in the mirror.
      await c.db.pool.query('update work_items set claimed_by_run = $3 where repository = $1 and number = $2', [
        repository(),
        item.get().number,
        99_999_999,
      ])
      moved = await setStatus('submit_for_review')
    }

    await c.gaffer!.heartbeats.runNow(repository(), 'docs-writer')

    expect(moved).toBe(false)
    expect(await item(number)).toMatchObject({ status: 'in-progress', claimed_by_run: 99_999_999 })
    expect(await labelsOnGitHub(c, number)).toEqual(['agent:docs-writer', 'priority:p0', 'status:in-progress'])
  })

  it('refuses to reassign an item that is in review', async () => {
    const number = await openIssue('Reviewed already', ['agent:backend-engineer', 'priority:p0'])
    behaviour = async ({ setStatus }) => {
      await setStatus('submit_for_review')
    }
    await c.gaffer!.heartbeats.runNow(repository(), 'backend-engineer')

    await commentAs(c, 'maya', number, '/assign frontend-engineer')

    expect(await labelsOnGitHub(c, number)).toEqual(['agent:backend-engineer', 'priority:p0', 'status:review'])
    expect((await comments(number)).some((body) => body.includes('only an item that is todo, blocked or without a status can be reassigned'))).toBe(
      true,
    )
  })
})
