import { beforeEach, describe, expect, it } from 'vitest'
import { formatMarker } from '../src/company/marker.ts'
import type { WorkContext, WorkHook } from '../src/heartbeat/heartbeat.ts'
import { getWorkItem, type WorkItem } from '../src/store/work-items.ts'
import { labelsOnGitHub, openIssueAsApp, poll, settleWebhooks, useTestCompany } from './helpers/test-company.ts'

describe('a heartbeat: claim, work, report', () => {
  let behaviour: (context: WorkContext) => Promise<void>
  const worked: number[] = []
  const work: WorkHook = async (context) => {
    worked.push(context.item.get().number)
    await behaviour(context)
    return { tokens: 0, costUsd: 0 }
  }

  const c = useTestCompany({ app: { work }, proxy: true })
  beforeEach(() => {
    worked.length = 0
    behaviour = async () => {}
  })

  const repository = () => c.github.repository
  const openIssue = async (title: string, labels: string[], body = 'details') => {
    const number = (await c.maya.issues.create({ owner: c.owner, repo: c.repo, title, labels, body })).data.number
    await expect
      .poll(async () => (await getWorkItem(c.db.pool, repository(), number))?.labels.length, poll)
      .toBe(labels.length + (labels.some((l) => l.startsWith('agent:')) ? 0 : 1) + (labels.some((l) => l.startsWith('status:')) ? 0 : 1))
    await settleWebhooks(c)
    return number
  }
  const runOf = async (runId: number | undefined) =>
    (await c.db.pool.query('select * from heartbeat_runs where id = $1', [runId])).rows[0] as Record<string, unknown>

  it('claims the most urgent ready items first, moves their labels, and applies what the work reports', async () => {
    const later = await openIssue('Tidy logs', ['agent:backend-engineer', 'priority:p3'])
    const urgent = await openIssue('Outage', ['agent:backend-engineer', 'priority:p0'])
    behaviour = async ({ item, setStatus }) => {
      expect(await labelsOnGitHub(c, item.get().number)).toContain('status:in-progress')
      await setStatus('submit_for_review')
    }

    const result = await c.gaffer!.heartbeats.runNow(repository(), 'backend-engineer')

    expect(worked).toEqual([urgent, later])
    expect(result).toMatchObject({ outcome: 'worked', items: 2 })
    expect(await labelsOnGitHub(c, urgent)).toEqual(['agent:backend-engineer', 'priority:p0', 'status:review'])
    expect(await getWorkItem(c.db.pool, repository(), later)).toMatchObject({ status: 'review', claimed_by_run: null })
    expect(await runOf(result.runId)).toMatchObject({ outcome: 'worked', items: 2, trigger: 'api' })
    expect(Number((await runOf(result.runId)).github_requests)).toBeGreaterThan(0)
  })

  it('re-reads the items it is about to claim that GitHub last confirmed over a lease ago, so one closed or reassigned behind a lost webhook is not worked', async () => {
    /**
     * Makes a change on GitHub, then puts the mirror back as it was: what a lost webhook
     * leaves behind, confirmed by GitHub longer ago than a lease (a fresher row is trusted).
     */
    const behindLostWebhook = async (number: number, change: () => Promise<unknown>, arrived: (item: WorkItem) => boolean) => {
      const columns = 'state, status, owner_agent, labels, github_updated_at'
      const before = (await c.db.pool.query(`select ${columns} from work_items where repository = $1 and number = $2`, [repository(), number]))
        .rows[0]
      await change()
      await expect.poll(async () => arrived((await getWorkItem(c.db.pool, repository(), number))!), poll).toBe(true)
      await c.gaffer!.deliveries.idle()
      await c.db.pool.query(
        `update work_items set state = $3, status = $4, owner_agent = $5, labels = $6, github_updated_at = $7,
           github_confirmed_at = now() - interval '1 day' where repository = $1 and number = $2`,
        [repository(), number, before.state, before.status, before.owner_agent, before.labels, before.github_updated_at],
      )
    }
    const closed = await openIssue('Closed behind our back', ['agent:docs-writer', 'priority:p0'])
    const moved = await openIssue('Moved to frontend', ['agent:docs-writer', 'priority:p0'])
    const first = await openIssue('Still ours', ['agent:docs-writer', 'priority:p1'])
    const second = await openIssue('Also ours', ['agent:docs-writer', 'priority:p2'])
    const beyond = await openIssue('Past what one heartbeat takes', ['agent:docs-writer', 'priority:p3'])
    await c.gaffer!.deliveries.idle()
    const close = (number: number) => () => c.maya.issues.update({ owner: c.owner, repo: c.repo, issue_number: number, state: 'closed' })
    const isClosed = (item: WorkItem) => item.state === 'closed'
    await behindLostWebhook(closed, close(closed), isClosed)
    await behindLostWebhook(
      moved,
      () =>
        c.maya.issues.setLabels({
          owner: c.owner,
          repo: c.repo,
          issue_number: moved,
          labels: ['agent:frontend-engineer', 'priority:p0', 'status:todo'],
        }),
      (item) => item.owner_agent === 'frontend-engineer',
    )
    await behindLostWebhook(beyond, close(beyond), isClosed)
    behaviour = async ({ setStatus }) => {
      await setStatus('submit_for_review')
    }

    await c.gaffer!.heartbeats.runNow(repository(), 'docs-writer')

    expect(worked).toEqual([first, second])
    expect(await getWorkItem(c.db.pool, repository(), closed)).toMatchObject({ state: 'closed' })
    expect(await getWorkItem(c.db.pool, repository(), moved)).toMatchObject({ owner_agent: 'frontend-engineer', status: 'todo' })
    // docs-writer takes two items a heartbeat: once two are confirmed ready it reads no further
    // (the periodic sweep heals the rest of the queue).
    expect(await getWorkItem(c.db.pool, repository(), beyond)).toMatchObject({ state: 'open', status: 'todo' })
    await c.gaffer!.reconcileAll()
    expect(await getWorkItem(c.db.pool, repository(), beyond)).toMatchObject({ state: 'closed' })
  })

  it('claims an item whose webhook arrived within a lease without reading it from GitHub again', async () => {
    const fresh = await openIssue('Just opened', ['agent:docs-writer', 'priority:p0'])
    behaviour = async ({ setStatus }) => {
      await setStatus('submit_for_review')
    }
    const from = c.proxy.requests.length

    const result = await c.gaffer!.heartbeats.runNow(repository(), 'docs-writer')

    expect(worked).toContain(fresh)
    expect(result).toMatchObject({ outcome: 'worked' })
    const requests = c.proxy.requests.slice(from).map((request) => `${request.method} ${request.path.split('?')[0]}`)
    expect(requests).not.toContain(`GET /repos/${repository()}/issues/${fresh}`)
    // The claim's label writes went through the proxy, so the count saw the heartbeat.
    expect(requests).toContainEqual(expect.stringMatching(`^DELETE /repos/${repository()}/issues/${fresh}/labels/status`))
  })

  it('reads a fresh item again when a later change to it is recorded and not yet applied', async () => {
    const number = await openIssue('Changed while its delivery waits', ['agent:docs-writer', 'priority:p0'])
    behaviour = async ({ setStatus }) => {
      await setStatus('submit_for_review')
    }
    // A person's edit, received and not yet mirrored (held by another replica's lock).
    const payload = {
      action: 'edited',
      repository: { full_name: repository() },
      issue: { number, updated_at: new Date(Date.now() + 60_000).toISOString() },
      sender: { login: 'maya' },
    }
    await c.db.pool.query(
      `insert into webhook_deliveries (delivery_id, payload_sha256, event, action, payload, locked_until)
       values ('waiting-edit', 'waiting-edit', 'issues', 'edited', $1, now() + interval '1 hour')`,
      [JSON.stringify(payload)],
    )
    const from = c.proxy.requests.length
    try {
      await c.gaffer!.heartbeats.runNow(repository(), 'docs-writer')
    } finally {
      await c.db.pool.query("delete from webhook_deliveries where delivery_id = 'waiting-edit'")
    }

    expect(worked).toContain(number)
    const requests = c.proxy.requests.slice(from).map((request) => `${request.method} ${request.path.split('?')[0]}`)
    expect(requests).toContain(`GET /repos/${repository()}/issues/${number}`)
  })

  it('records an idle run with no work, no claims and no GitHub request when nothing is ready', async () => {
    const result = await c.gaffer!.heartbeats.runNow(repository(), 'reviewer')

    expect(result).toMatchObject({ outcome: 'idle', items: 0, githubRequests: 0 })
    expect(worked).toEqual([])
    expect(await runOf(result.runId)).toMatchObject({ outcome: 'idle', github_requests: 0 })
  })

  it("releases a crashed run's expired lease at the start of any agent's heartbeat, and mirrors it onto GitHub", async () => {
    const number = await openIssue('Left behind by a crash', ['agent:frontend-engineer'])
    await c.db.pool.query(
      `update work_items set status = 'in-progress', claimed_by_run = 999999, lease_expires_at = now() - interval '1 second'
       where repository = $1 and number = $2`,
      [repository(), number],
    )

    const result = await c.gaffer!.heartbeats.runNow(repository(), 'reviewer')

    expect(result).toMatchObject({ outcome: 'idle' })
    expect(await getWorkItem(c.db.pool, repository(), number)).toMatchObject({ status: 'todo', attempts: 1, claimed_by_run: null })
    expect(await labelsOnGitHub(c, number)).toContain('status:todo')
    // Out of the way of the tests that count frontend-engineer's items.
    await c.maya.issues.update({ owner: c.owner, repo: c.repo, issue_number: number, state: 'closed' })
    await expect.poll(async () => (await getWorkItem(c.db.pool, repository(), number))?.state, poll).toBe('closed')
  })

  it('hands back unfinished work with attempts + 1, and blocks it after the third attempt', async () => {
    const number = await openIssue('Never finishes', ['agent:frontend-engineer'])

    for (const attempt of [1, 2, 3]) {
      await c.gaffer!.heartbeats.runNow(repository(), 'frontend-engineer')
      expect(await getWorkItem(c.db.pool, repository(), number)).toMatchObject({ status: 'todo', attempts: attempt, claimed_by_run: null })
      expect(await labelsOnGitHub(c, number)).toContain('status:todo')
    }
    await c.gaffer!.heartbeats.runNow(repository(), 'frontend-engineer')

    // Blocked like any other block: the reason recorded as such, and the owner's manager asked.
    expect(await getWorkItem(c.db.pool, repository(), number)).toMatchObject({
      status: 'blocked',
      attempts: 4,
      blocked_reason:
        "its work was interrupted or left unfinished 4 times; a person or the owner's manager needs to look at it before it is tried again",
      escalated_to: 'vp-engineering',
      escalation_level: 1,
    })
    expect(await labelsOnGitHub(c, number)).toContain('status:blocked')
    const { data: comments } = await c.maya.issues.listComments({ owner: c.owner, repo: c.repo, issue_number: number })
    expect(comments.map((comment) => comment.body).join('\n')).toMatch(
      /Blocked: its work was interrupted or left unfinished 4 times.*\n\nEscalated to VP of Engineering/,
    )
  })

  it('never runs two heartbeats of one agent at once', async () => {
    await openIssue('Slow work', ['agent:docs-writer'])
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    behaviour = async ({ setStatus }) => {
      await gate
      await setStatus('finish')
    }

    const first = c.gaffer!.heartbeats.runNow(repository(), 'docs-writer')
    await expect.poll(() => worked.length, poll).toBe(1)
    const second = await c.gaffer!.heartbeats.runNow(repository(), 'docs-writer')
    release()

    expect(second).toMatchObject({ outcome: 'skipped', error: 'another heartbeat of this agent is running' })
    expect(await first).toMatchObject({ outcome: 'worked', items: 1 })
  })

  it('refuses a status change the status machine does not allow, and leaves the item as it was', async () => {
    const number = await openIssue('Odd request', ['agent:backend-engineer', 'priority:p1'])
    let accepted: boolean | undefined
    behaviour = async ({ item, setStatus }) => {
      if (item.get().number !== number) return setStatus('finish').then(() => {})
      accepted = await setStatus('children_done')
      await setStatus('block', 'needs a decision on the API shape.')
    }

    await c.gaffer!.heartbeats.runNow(repository(), 'backend-engineer')

    expect(accepted).toBe(false)
    expect(await getWorkItem(c.db.pool, repository(), number)).toMatchObject({
      status: 'blocked',
      blocked_reason: 'needs a decision on the API shape.',
      escalated_to: 'vp-engineering',
    })
  })

  it('gives the work step one copy of the item that its status moves and direct writes keep current', async () => {
    const number = await openIssue('One copy', ['agent:backend-engineer', 'priority:p1'])
    const seen: Array<string | null> = []
    behaviour = async ({ item, setStatus }) => {
      if (item.get().number !== number) return setStatus('finish').then(() => {})
      seen.push(item.get().status)
      await setStatus('submit_for_review')
      seen.push(item.get().status)
      // As a tool writing the mirror directly would: the next refresh is what every step sees.
      await c.db.pool.query("update work_items set priority_reason = 'set by a tool' where repository = $1 and number = $2", [repository(), number])
      seen.push((await item.refresh()).priority_reason, item.get().priority_reason)
    }

    await c.gaffer!.heartbeats.runNow(repository(), 'backend-engineer')

    expect(seen).toEqual(['in-progress', 'review', 'set by a tool', 'set by a tool'])
  })

  it('returns a waiting item to todo when its last open child is closed', async () => {
    const parent = await openIssue('Initiative', ['agent:vp-engineering', 'status:waiting'])
    const marker = formatMarker({ agent: 'vp-engineering', depth: 1, parent })
    // Children as the app opens them: only the app's own marker links a parent.
    const first = await openIssueAsApp(c, { title: 'Task one', labels: ['agent:backend-engineer', 'status:review'], body: `Do one.\n\n${marker}` })
    const second = await openIssueAsApp(c, { title: 'Task two', labels: ['agent:frontend-engineer', 'status:review'], body: `Do two.\n\n${marker}` })
    expect(await getWorkItem(c.db.pool, repository(), first)).toMatchObject({ parent_number: parent, delegation_depth: 1 })

    await c.maya.issues.update({ owner: c.owner, repo: c.repo, issue_number: first, state: 'closed' })
    await expect.poll(async () => (await getWorkItem(c.db.pool, repository(), first))?.state, poll).toBe('closed')
    await c.gaffer!.deliveries.idle()
    expect(await labelsOnGitHub(c, parent)).toContain('status:waiting')
    await c.maya.issues.update({ owner: c.owner, repo: c.repo, issue_number: second, state: 'closed' })

    await expect.poll(() => labelsOnGitHub(c, parent), poll).toEqual(['agent:vp-engineering', 'status:todo'])
  })

  it('resumes the waiting parent, once, when an agent finishes the last open child itself', async () => {
    const parent = await openIssue('Docs initiative', ['agent:vp-product', 'status:waiting'])
    const child = await openIssueAsApp(c, {
      title: 'Write the guide',
      labels: ['agent:docs-writer', 'status:todo'],
      body: `Write it.\n\n${formatMarker({ agent: 'vp-product', depth: 1, parent })}`,
    })
    await c.gaffer!.deliveries.idle()
    behaviour = async ({ setStatus }) => {
      await setStatus('finish')
    }

    await c.gaffer!.heartbeats.runNow(repository(), 'docs-writer')

    expect(worked).toEqual([child])
    const { data: closed } = await c.maya.issues.get({ owner: c.owner, repo: c.repo, issue_number: child })
    expect(closed.state).toBe('closed')
    expect(await labelsOnGitHub(c, parent)).toEqual(['agent:vp-product', 'status:todo'])
    expect(await getWorkItem(c.db.pool, repository(), parent)).toMatchObject({ status: 'todo', state: 'open' })
    // The echo of Gaffer's own close must not resume the parent a second time.
    await new Promise((resolve) => setTimeout(resolve, 500))
    await c.gaffer!.deliveries.idle()
    const audit = await c.db.pool.query("select count(*)::int as n from audit_log where action = 'children_done' and target = $1", [parent])
    expect(audit.rows[0].n).toBe(1)
  })
})
