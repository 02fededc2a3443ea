import { describe, expect, it } from 'vitest'
import { getWorkItem } from '../src/store/work-items.ts'
import { labelsOnGitHub, poll, useTestCompany } from './helpers/test-company.ts'

describe('reconcile on start heals what webhooks missed', () => {
  // A fresh company per test, each starting its app when the test says so.
  const c = useTestCompany({ perTest: true, app: false })

  it('routes an issue opened while the app was down', async () => {
    // No app is listening: the emulator's webhook for this issue is lost.
    const { data: issue } = await c.maya.issues.create({ owner: c.owner, repo: c.repo, title: 'Missed', labels: ['area:docs'] })

    await c.startApp()

    expect(await labelsOnGitHub(c, issue.number)).toEqual(['agent:docs-writer', 'area:docs', 'status:todo'])
    const [sweep] = await c.gaffer!.reconcileAll()
    expect(sweep).toMatchObject({ repository: c.github.repository, open: 1, healed: 0 })
    expect(sweep!.githubRequests).toBeGreaterThan(0)
    expect(await getWorkItem(c.db.pool, c.github.repository, issue.number)).toMatchObject({
      owner_agent: 'docs-writer',
      status: 'todo',
      state: 'open',
    })
  })

  it('catches up on an issue closed and another relabelled while the app was down', async () => {
    await c.startApp()
    const open = async (title: string, labels: string[]) => (await c.maya.issues.create({ owner: c.owner, repo: c.repo, title, labels })).data.number
    const closing = await open('Will be closed', ['area:backend'])
    const relabelled = await open('Will be relabelled', [])
    await expect.poll(() => labelsOnGitHub(c, closing), poll).toContain('status:todo')
    await expect.poll(() => getWorkItem(c.db.pool, c.github.repository, relabelled), poll).toBeDefined()
    await c.gaffer!.deliveries.idle()
    await c.stopApp()

    await c.maya.issues.update({ owner: c.owner, repo: c.repo, issue_number: closing, state: 'closed' })
    await c.maya.issues.addLabels({ owner: c.owner, repo: c.repo, issue_number: relabelled, labels: ['gaffer:goal'] })
    expect((await getWorkItem(c.db.pool, c.github.repository, closing))?.state).toBe('open')

    await c.startApp()

    expect((await getWorkItem(c.db.pool, c.github.repository, closing))?.state).toBe('closed')
    expect(await labelsOnGitHub(c, relabelled)).toEqual(['agent:ceo', 'gaffer:goal', 'status:todo'])
  })

  it('retries a delivery that was recorded but never processed', async () => {
    await c.startApp()
    const { data: issue } = await c.maya.issues.create({ owner: c.owner, repo: c.repo, title: 'Crash victim', labels: [] })
    await expect.poll(() => getWorkItem(c.db.pool, c.github.repository, issue.number), poll).toBeDefined()
    await c.gaffer!.deliveries.idle()
    await c.stopApp()
    // As if a replica recorded this delivery and died before processing it: unprocessed, lease expired.
    // Only the recorded payload carries the label, so the routing below can come from the sweep alone.
    const { data: repo } = await c.maya.repos.get({ owner: c.owner, repo: c.repo })
    const payload = {
      action: 'labeled',
      issue: { ...issue, labels: [{ name: 'area:frontend' }], updated_at: new Date().toISOString() },
      repository: repo,
      sender: { login: c.github.maintainer.login, type: 'User' },
      installation: { id: c.github.app.installationId },
    }
    await c.db.pool.query(
      `insert into webhook_deliveries (delivery_id, payload_sha256, event, action, payload, locked_until, attempts)
       values ('crashed-1', 'x', 'issues', 'labeled', $1, now() - interval '1 minute', 1)`,
      [payload],
    )

    await c.startApp()

    await expect.poll(() => labelsOnGitHub(c, issue.number), poll).toEqual(['agent:frontend-engineer', 'status:todo'])
    await c.gaffer!.deliveries.idle()
    const row = await c.db.pool.query("select processed_at, attempts from webhook_deliveries where delivery_id = 'crashed-1'")
    expect(row.rows[0].processed_at).not.toBeNull()
    expect(row.rows[0].attempts).toBe(2)
  })

  it('heals a status changed while the app was down through the table: an allowed move is taken, one nobody may make by hand is put back', async () => {
    await c.startApp()
    const open = async (title: string) => {
      const number = (await c.maya.issues.create({ owner: c.owner, repo: c.repo, title, labels: ['area:docs'] })).data.number
      await expect.poll(() => labelsOnGitHub(c, number), poll).toContain('status:todo')
      return number
    }
    const skipped = await open('Marked done without work')
    const blocked = await open('Blocked by hand')
    await c.gaffer!.deliveries.idle()
    await c.stopApp()

    // todo → done is no move a person may make by hand; blocked → todo is (an unblock), so the
    // second item is first blocked in the mirror, the way a block leaves it.
    await c.maya.issues.setLabels({ owner: c.owner, repo: c.repo, issue_number: skipped, labels: ['agent:docs-writer', 'area:docs', 'status:done'] })
    await c.db.pool.query(
      "update work_items set status = 'blocked', status_changed_at = now() - interval '1 hour' where repository = $1 and number = $2",
      [c.github.repository, blocked],
    )

    await c.startApp()

    expect(await labelsOnGitHub(c, skipped)).toEqual(['agent:docs-writer', 'area:docs', 'status:todo'])
    expect((await getWorkItem(c.db.pool, c.github.repository, skipped))?.status).toBe('todo')
    // GitHub still says todo for the other: blocked → todo is an unblock, so the mirror takes it.
    expect((await getWorkItem(c.db.pool, c.github.repository, blocked))?.status).toBe('todo')
  })
})
