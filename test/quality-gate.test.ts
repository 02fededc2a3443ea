import { describe, expect, it } from 'vitest'
import { decideGate } from '../src/company/quality-gate.ts'
import { formatMarker } from '../src/company/marker.ts'
import { createLogger } from '../src/log.ts'
import { syncGate } from '../src/mirror/quality-gate.ts'
import { createPermissionCache } from '../src/github/permissions.ts'
import { recordQualityScore } from '../src/store/quality-scores.ts'
import { getWorkItem } from '../src/store/work-items.ts'
import { readState } from '../src/web/read-state.ts'
import { commentAs, deliverWebhook, labelsOnGitHub, openIssueAsApp, poll, useTestCompany, settleWebhooks } from './helpers/test-company.ts'

describe('decideGate', () => {
  const approve = { agent: 'reviewer', score: 80, verdict: 'approve' as const }
  it.each([
    ['everything met', { review: approve, humanApprovals: ['maya'], held: false }, 'success'],
    ['no review yet', { review: undefined, humanApprovals: ['maya'], held: false }, 'pending'],
    ['score below the threshold', { review: { ...approve, score: 69 }, humanApprovals: ['maya'], held: false }, 'failure'],
    ['score exactly at the threshold', { review: { ...approve, score: 70 }, humanApprovals: ['maya'], held: false }, 'success'],
    ['changes requested', { review: { ...approve, verdict: 'request_changes' as const }, humanApprovals: ['maya'], held: false }, 'failure'],
    ['no human approval', { review: approve, humanApprovals: [], held: false }, 'pending'],
    ['held', { review: approve, humanApprovals: ['maya'], held: true }, 'pending'],
  ])('%s → %s', (_, input, conclusion) => {
    expect(decideGate({ threshold: 70, requiredApprovals: 1, ...input }).conclusion).toBe(conclusion)
  })

  it('says what is missing', () => {
    const decision = decideGate({ review: undefined, threshold: 70, humanApprovals: [], requiredApprovals: 2, held: true })

    expect(decision.summary).toContain('a reviewer agent has not scored this commit yet')
    expect(decision.summary).toContain('2 more human approvals needed')
    expect(decision.summary).toContain('held with do-not-merge/hold')
  })
})

describe('the pull request gate end to end (emulated GitHub, scripted model)', () => {
  /** A GitHub read the proxy holds back until the test releases it, to open a window between a gate's read and its post. */
  let stall: { path: string; reached: boolean; released: Promise<void>; release: () => void } | undefined
  // Gaffer talks to the emulator through a recording proxy, so a test can say which requests it made.
  const c = useTestCompany({
    model: true,
    proxy: async (request) => {
      if (stall && !stall.reached && request.method === 'GET' && request.path.includes(stall.path)) {
        stall.reached = true
        await stall.released
      }
      return undefined
    },
    app: { owners: ['maya'] },
  })

  const repository = () => c.github.repository
  const item = (number: number) => getWorkItem(c.db.pool, repository(), number)
  const run = (agent: string) => c.gaffer!.heartbeats.runNow(repository(), agent)
  const gate = async (sha: string) => {
    const { data } = await c.maya.checks.listForRef({ owner: c.owner, repo: c.repo, ref: sha, check_name: 'Gaffer quality gate' })
    const check = data.check_runs[0]
    return check ? { status: check.status, conclusion: check.conclusion, summary: check.output.summary ?? '' } : undefined
  }
  /** Every gate run on a commit, oldest first, as GitHub holds it now. */
  const runs = async (sha: string) => {
    const { data } = await c.maya.checks.listForRef({ owner: c.owner, repo: c.repo, ref: sha, check_name: 'Gaffer quality gate', filter: 'all' })
    return data.check_runs
      .map((run) => ({ id: run.id, status: run.status, conclusion: run.conclusion, title: run.output.title, summary: run.output.summary }))
      .sort((a, b) => a.id - b.id)
  }
  const checkRunPatches = () => c.proxy.requests.filter((request) => request.method === 'PATCH' && request.path.includes('/check-runs'))
  const headSha = async (pr: number) => (await c.maya.pulls.get({ owner: c.owner, repo: c.repo, pull_number: pr })).data.head.sha
  const say = (who: 'maya' | 'oscar', number: number, body: string) => commentAs(c, who, number, body)

  it('scores, waits for a human, refuses an outsider, turns green, holds, resets on a push, fails on a bad review, and finishes on merge', async () => {
    // An initiative waiting on one task, and the task.
    const parent = (
      await c.maya.issues.create({ owner: c.owner, repo: c.repo, title: 'Search initiative', labels: ['agent:vp-engineering', 'status:waiting'] })
    ).data.number
    // The task as the app opens it when the VP delegates: only the app's own marker links a parent.
    const task = await openIssueAsApp(c, {
      title: 'Search endpoint',
      labels: ['agent:backend-engineer', 'status:todo'],
      body: `Build it.\n\n${formatMarker({ agent: 'vp-engineering', depth: 1, parent })}`,
    })
    await expect.poll(async () => (await item(task))?.parent_number, poll).toBe(parent)

    c.model.script({
      toolCalls: [
        { name: 'propose_change', arguments: { title: 'Add search', body: 'Adds search.', files: [{ path: 'search.js', content: 'export {}\n' }] } },
      ],
    })
    await run('backend-engineer')
    const pr = (await c.db.pool.query("select number from work_items where kind = 'pull' and parent_number = $1", [task])).rows[0].number as number
    expect(await item(task)).toMatchObject({ status: 'review' })
    expect(await item(pr)).toMatchObject({ owner_agent: 'reviewer', status: 'todo', created_by_agent: 'backend-engineer' })
    let sha = await headSha(pr)
    expect(await gate(sha)).toMatchObject({ status: 'in_progress' })
    expect((await gate(sha))?.summary).toContain('a reviewer agent has not scored this commit yet')

    c.model.script({
      toolCalls: [{ name: 'review_pull_request', arguments: { number: pr, score: 85, verdict: 'approve', summary: 'Clean and tested.' } }],
    })
    await run('reviewer')
    expect(await item(pr)).toMatchObject({ status: 'review' })
    expect(await gate(sha)).toMatchObject({ status: 'in_progress' })
    expect((await gate(sha))?.summary).toContain('1 more human approval needed')
    const scores = await c.db.pool.query('select agent, score, verdict, head_sha from quality_scores where pr_number = $1', [pr])
    expect(scores.rows).toEqual([{ agent: 'reviewer', score: 85, verdict: 'approve', head_sha: sha }])

    await say('oscar', pr, '/approve')
    expect(await gate(sha)).toMatchObject({ status: 'in_progress' })

    await say('maya', pr, '/approve ship it')
    expect(await gate(sha)).toMatchObject({ status: 'completed', conclusion: 'success' })

    // A completed run cannot change on github.com: /hold and /unhold each post a new run and leave the old ones as they were.
    const green = await runs(sha)
    await say('maya', pr, '/hold')
    expect(await gate(sha)).toMatchObject({ status: 'in_progress' })
    expect((await gate(sha))?.summary).toContain('held with do-not-merge/hold')
    const held = await runs(sha)
    expect(held).toHaveLength(green.length + 1)
    expect(held.slice(0, -1)).toEqual(green)
    await say('maya', pr, '/unhold')
    expect(await gate(sha)).toMatchObject({ status: 'completed', conclusion: 'success' })
    const released = await runs(sha)
    expect(released).toHaveLength(held.length + 1)
    expect(released.slice(0, -1)).toEqual(held)
    expect(checkRunPatches()).toEqual([])

    // A decision that changes nothing (maya approves the same commit again) posts no run.
    await say('maya', pr, '/approve')
    expect(await runs(sha)).toEqual(released)

    // A new push: the maintainer updates the branch (a new head commit), and GitHub says so.
    await c.maya.pulls.updateBranch({ owner: c.owner, repo: c.repo, pull_number: pr, expected_head_sha: sha })
    const { data: pull } = await c.maya.pulls.get({ owner: c.owner, repo: c.repo, pull_number: pr })
    expect(pull.head.sha).not.toBe(sha)
    sha = pull.head.sha
    const { data: repo } = await c.maya.repos.get({ owner: c.owner, repo: c.repo })
    const body = JSON.stringify({
      action: 'synchronize',
      pull_request: pull,
      repository: repo,
      sender: { login: 'maya', type: 'User' },
      installation: { id: c.github.app.installationId },
    })
    expect((await deliverWebhook(c, 'pull_request', body)).status).toBe(202)
    await expect.poll(async () => (await item(pr))?.status, poll).toBe('todo')
    await c.gaffer!.deliveries.idle()
    expect(await gate(sha)).toMatchObject({ status: 'in_progress' })
    expect((await gate(sha))?.summary).toContain('Human approvals: 0/1')

    c.model.script({
      toolCalls: [
        { name: 'review_pull_request', arguments: { number: pr, score: 40, verdict: 'request_changes', summary: 'The new notes break the build.' } },
      ],
    })
    await run('reviewer')
    expect(await gate(sha)).toMatchObject({ status: 'completed', conclusion: 'failure' })
    expect(await item(task)).toMatchObject({ status: 'todo' })
    const taskComments = (await c.maya.issues.listComments({ owner: c.owner, repo: c.repo, issue_number: task })).data.map((x) => x.body).join('\n')
    expect(taskComments).toContain('Changes requested on #' + pr)

    await c.maya.pulls.update({ owner: c.owner, repo: c.repo, pull_number: pr, draft: false } as never)
    await c.maya.pulls.merge({ owner: c.owner, repo: c.repo, pull_number: pr, merge_method: 'merge' })

    await expect.poll(async () => (await item(task))?.status, poll).toBe('done')
    await expect.poll(async () => (await c.maya.issues.get({ owner: c.owner, repo: c.repo, issue_number: task })).data.state, poll).toBe('closed')
    await expect.poll(() => labelsOnGitHub(c, parent), poll).toEqual(['agent:vp-engineering', 'status:todo'])

    // Quality per agent: two reviewed commits (85, then 40), and the first one passed.
    const { quality } = await readState(c.db.pool)
    expect(quality).toEqual([{ repository: repository(), agent: 'backend-engineer', pullRequests: 1, averageScore: 62.5, firstTimePassRate: 1 }])
  })

  it("counts a writer's latest GitHub review APPROVED as the human approval, and re-decides on Re-run with a new run", async () => {
    const task = (
      await c.maya.issues.create({ owner: c.owner, repo: c.repo, title: 'Export endpoint', labels: ['agent:backend-engineer', 'status:todo'] })
    ).data.number
    await expect.poll(async () => (await item(task))?.status, poll).toBe('todo')
    await settleWebhooks(c)
    c.model.script({
      toolCalls: [
        { name: 'propose_change', arguments: { title: 'Add export', body: 'Adds export.', files: [{ path: 'export.js', content: 'export {}\n' }] } },
      ],
    })
    await run('backend-engineer')
    const pr = (await c.db.pool.query("select number from work_items where kind = 'pull' and parent_number = $1", [task])).rows[0].number as number
    c.model.script({ toolCalls: [{ name: 'review_pull_request', arguments: { number: pr, score: 90, verdict: 'approve', summary: 'Good.' } }] })
    await run('reviewer')
    const sha = await headSha(pr)
    expect((await gate(sha))?.summary).toContain('1 more human approval needed')

    // maya (a writer, not the author: the app opened it) approves on GitHub, and GitHub sends pull_request_review.
    await c.maya.pulls.createReview({ owner: c.owner, repo: c.repo, pull_number: pr, commit_id: sha, event: 'APPROVE', body: 'LGTM' })

    await expect.poll(() => gate(sha), poll).toMatchObject({ status: 'completed', conclusion: 'success' })
    expect((await gate(sha))?.summary).toContain('Human approvals: 1/1 (maya)')

    // maya changes her mind on the same commit: her latest review requests changes, so her approval no longer counts.
    await c.maya.pulls.createReview({ owner: c.owner, repo: c.repo, pull_number: pr, commit_id: sha, event: 'REQUEST_CHANGES', body: 'Wait' })
    await expect.poll(() => gate(sha), poll).toMatchObject({ status: 'in_progress' })
    expect((await gate(sha))?.summary).toContain('Human approvals: 0/1')
    await c.maya.pulls.createReview({ owner: c.owner, repo: c.repo, pull_number: pr, commit_id: sha, event: 'APPROVE', body: 'Fine now' })
    await expect.poll(() => gate(sha), poll).toMatchObject({ status: 'completed', conclusion: 'success' })

    // Re-run on GitHub sends check_run rerequested: the gate decides again and posts a new run.
    const before = await runs(sha)
    await c.maya.checks.rerequestRun({ owner: c.owner, repo: c.repo, check_run_id: before.at(-1)!.id })
    await expect.poll(async () => (await runs(sha)).length, poll).toBe(before.length + 1)
    expect((await runs(sha)).at(-1)).toMatchObject({ status: 'completed', conclusion: 'success', title: 'Ready to merge' })
    expect(checkRunPatches()).toEqual([])
  })

  it('leaves the hold newest when a hold lands while an earlier green decision is on its way to GitHub', async () => {
    const task = (
      await c.maya.issues.create({ owner: c.owner, repo: c.repo, title: 'Import endpoint', labels: ['agent:backend-engineer', 'status:todo'] })
    ).data.number
    await expect.poll(async () => (await item(task))?.status, poll).toBe('todo')
    c.model.script({
      toolCalls: [
        { name: 'propose_change', arguments: { title: 'Add import', body: 'Adds import.', files: [{ path: 'import.js', content: 'export {}\n' }] } },
      ],
    })
    await run('backend-engineer')
    const pr = (await c.db.pool.query("select number from work_items where kind = 'pull' and parent_number = $1", [task])).rows[0].number as number
    const sha = await headSha(pr)
    await say('maya', pr, '/approve')
    expect(await gate(sha)).toMatchObject({ status: 'in_progress' })
    // The reviewer's score lands; its gate decision (green) reads the pull request, then stalls before it posts.
    await recordQualityScore(c.db.pool, {
      repository: repository(),
      number: pr,
      headSha: sha,
      agent: 'reviewer',
      score: 90,
      verdict: 'approve',
      rubric: {},
    })
    let release = () => {}
    const released = new Promise<void>((resolve) => (release = resolve))
    stall = { path: `/commits/${sha}/check-runs`, reached: false, released, release }
    const deps = { pool: c.db.pool, log: createLogger('silent'), permissionOf: createPermissionCache() }
    const octokit = await c.gaffer!.probot.auth(c.github.app.installationId)
    const green = syncGate(deps, octokit, repository(), pr)
    await expect.poll(() => stall?.reached, poll).toBe(true)

    // Meanwhile maya holds it, and the hold's own gate decision runs.
    await c.maya.issues.addLabels({ owner: c.owner, repo: c.repo, issue_number: pr, labels: ['do-not-merge/hold'] })
    const hold = syncGate(deps, octokit, repository(), pr)
    // Let the green decision go on once the hold's decision has either finished or is waiting its turn.
    let settled = false
    const waiting = async () => {
      while (!settled) {
        const locks = await c.db.pool.query(
          "select 1 from pg_locks where locktype = 'advisory' and not granted and database = (select oid from pg_database where datname = current_database())",
        )
        if (locks.rowCount) return
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    }
    await Promise.race([hold.finally(() => (settled = true)), waiting()])
    settled = true
    release()
    await Promise.all([green, hold])
    await c.gaffer!.deliveries.idle()
    stall = undefined

    const newest = (await runs(sha)).at(-1)
    expect(newest).toMatchObject({ status: 'in_progress' })
    expect(newest?.summary).toContain('held with do-not-merge/hold')
  })
})
