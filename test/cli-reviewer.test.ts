import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { listCliTranscripts } from '../src/store/cli-transcripts.ts'
import { getWorkItem } from '../src/store/work-items.ts'
import { commentAs, poll, useTestCompany, settleWebhooks } from './helpers/test-company.ts'
import { orgWithRuntime } from './helpers/org-with-runtime.ts'

const fakeCli = fileURLToPath(new URL('./fixtures/fake-cli.mjs', import.meta.url))

describe('a reviewer on a CLI runtime (fake Claude Code CLI, real workspace, emulated GitHub, real Postgres)', () => {
  let home = ''
  const modeFile = () => path.join(home, 'MODE')
  const c = useTestCompany({
    model: true,
    app: async () => {
      home = await mkdtemp(path.join(tmpdir(), 'gaffer-cli-review-'))
      const agentsDir = await orgWithRuntime(home, 'reviewer', 'fake-review')
      await writeFile(modeFile(), 'review-approve')
      return {
        agentsDir,
        owners: ['maya'],
        cli: {
          runtimes: {
            'fake-review': { adapter: 'claude-code', command: [process.execPath, fakeCli, `--mode-file=${modeFile()}`], env: [], timeoutMinutes: 1 },
          },
          sandbox: 'none',
          usdPerMinute: 0,
          home,
        },
      }
    },
  })
  afterAll(() => rm(home, { recursive: true, force: true }))

  const repository = () => c.github.repository
  const item = (number: number) => getWorkItem(c.db.pool, repository(), number)
  const gateSummary = async (pr: number) => {
    const sha = (await c.maya.pulls.get({ owner: c.owner, repo: c.repo, pull_number: pr })).data.head.sha
    const { data } = await c.maya.checks.listForRef({ owner: c.owner, repo: c.repo, ref: sha, check_name: 'Gaffer quality gate' })
    return data.check_runs[0]?.output.summary ?? ''
  }
  const scores = async (pr: number) => (await c.db.pool.query('select agent, score, verdict from quality_scores where pr_number = $1', [pr])).rows
  /** A pull request written by the chat-runtime backend engineer, routed to the reviewer. */
  const openPullRequest = async (title: string, file: string) => {
    const task = (await c.maya.issues.create({ owner: c.owner, repo: c.repo, title, labels: ['agent:backend-engineer', 'status:todo'] })).data.number
    await expect.poll(async () => (await item(task))?.status, poll).toBe('todo')
    await settleWebhooks(c)
    c.model.script({
      toolCalls: [{ name: 'propose_change', arguments: { title, body: 'Adds it.', files: [{ path: file, content: 'export {}\n' }] } }],
    })
    await c.gaffer!.heartbeats.runNow(repository(), 'backend-engineer')
    const pr = (await c.db.pool.query("select number from work_items where kind = 'pull' and parent_number = $1", [task])).rows[0].number as number
    expect(await item(pr)).toMatchObject({ owner_agent: 'reviewer', status: 'todo' })
    return pr
  }

  it("reviews the pull request's head and its JSON verdict drives the gate; a human approval turns it green", async () => {
    const pr = await openPullRequest('Add search', 'search.js')
    await writeFile(modeFile(), 'review-approve')

    await c.gaffer!.heartbeats.runNow(repository(), 'reviewer')

    expect(await scores(pr)).toEqual([{ agent: 'reviewer', score: 85, verdict: 'approve' }])
    expect(await gateSummary(pr)).toContain('1 more human approval needed')
    expect(await item(pr)).toMatchObject({ status: 'review' })
    const reviews = (await c.maya.pulls.listReviews({ owner: c.owner, repo: c.repo, pull_number: pr })).data.map((r) => r.body)
    // The checkout was the pull request's head: the file it adds was there.
    expect(reviews.join('\n')).toContain('Saw search.js')
    expect((await listCliTranscripts(c.db.pool, repository(), pr))[0]).toMatchObject({ outcome: 'reviewed' })

    await commentAs(c, 'maya', pr, '/approve')
    await expect.poll(() => gateSummary(pr), poll).toContain('Human approvals: 1/1 (maya)')
  })

  it('a reviewer CLI that prints no verdict leaves the gate closed and says why', async () => {
    const pr = await openPullRequest('Add export', 'export.js')
    await writeFile(modeFile(), 'review-garbage')

    await c.gaffer!.heartbeats.runNow(repository(), 'reviewer')

    expect(await scores(pr)).toEqual([])
    expect(await gateSummary(pr)).toContain('a reviewer agent has not scored this commit yet')
    expect(await item(pr)).toMatchObject({ status: 'blocked' })
    const comments = (await c.maya.issues.listComments({ owner: c.owner, repo: c.repo, issue_number: pr })).data.map((x) => x.body).join('\n')
    expect(comments).toContain("Code Reviewer's review of #" + pr + ' could not be used: the report ends without a JSON verdict')
    expect(comments).toContain('the quality gate stays closed')
  })
})
