import { Octokit } from '@octokit/rest'
import { ProbotOctokit } from 'probot'
import { startGaffer } from '../src/gaffer.ts'
import { createLogger } from '../src/log.ts'
import { freePort } from '../src/net/free-port.ts'
import { startEmulatedGitHub } from '../src/sandbox/emulated-github.ts'
import { createPool } from '../src/store/pool.ts'
import { WEBHOOK_PATH } from '../src/web/http-server.ts'
import { startScriptedModel, type Step } from '../test/helpers/scripted-model.ts'

export type CostRow = { measure: string; gaffer: string; baseline: string; note: string }

/**
 * What agents cost in GitHub requests and model calls, against the emulated GitHub and
 * the scripted model server of the tests: one idle and one busy heartbeat, and a
 * three-level delegation (goal → initiative → task → pull request) run to the end.
 */
export async function benchAgentCosts(databaseUrl: string): Promise<CostRow[]> {
  const counts = { reads: 0, writes: 0 }
  const Counting = ProbotOctokit.plugin((octokit) => {
    octokit.hook.before('request', (options) => {
      if (options.method === 'GET') counts.reads += 1
      else counts.writes += 1
    })
  })
  const model = await startScriptedModel()
  const port = await freePort()
  const github = await startEmulatedGitHub({ webhookUrl: `http://127.0.0.1:${port}${WEBHOOK_PATH}` })
  const pool = createPool(databaseUrl)
  const gaffer = await startGaffer({
    app: github.app,
    githubApiUrl: github.url,
    pool,
    log: createLogger('silent'),
    port,
    host: '127.0.0.1',
    adminToken: undefined,
    settings: { schedule: false, wakes: false },
    model: { apiKey: 'bench', baseUrl: model.url, defaultModel: 'gpt-4.1-mini', maxRetries: 0 },
    Octokit: Counting,
  })
  const [owner, repo] = github.repository.split('/') as [string, string]
  const maya = new Octokit({ baseUrl: github.url, auth: github.maintainer.token })
  const statusOf = async (number: number) =>
    (await pool.query<{ status: string | null }>('select status from work_items where repository = $1 and number = $2', [github.repository, number])).rows[0]?.status
  const waitFor = async (number: number, status: string) => {
    for (let i = 0; i < 400 && (await statusOf(number)) !== status; i += 1) await new Promise((r) => setTimeout(r, 50))
    if ((await statusOf(number)) !== status) throw new Error(`#${number} never became ${status}`)
  }
  const measured = async (work: () => Promise<unknown>) => {
    await gaffer.deliveries.idle()
    counts.reads = 0
    counts.writes = 0
    await work()
    return { ...counts }
  }
  const run = (agent: string, ...steps: Step[]) => {
    model.script(...steps)
    return gaffer.heartbeats.runNow(github.repository, agent)
  }
  try {
    const idle = await measured(() => gaffer.heartbeats.runNow(github.repository, 'reviewer'))
    const installation = await gaffer.probot.auth(github.app.installationId)
    const idleBaseline = await measured(() =>
      installation.request('GET /repos/{owner}/{repo}/issues', { owner, repo, state: 'open', labels: 'agent:reviewer,status:todo' }),
    )

    const goal = (await maya.issues.create({ owner, repo, title: 'Launch search', labels: ['gaffer:goal'], body: 'Customers can search widgets.' })).data.number
    await waitFor(goal, 'todo')
    model.reset()
    const total = { reads: 0, writes: 0 }
    const add = (c: { reads: number; writes: number }) => {
      total.reads += c.reads
      total.writes += c.writes
      return c
    }
    const delegateTo = (assignee: string, title: string): Step => ({
      toolCalls: [{ name: 'delegate', arguments: { title, body: `Deliver: ${title}.`, assignee } }],
    })
    const finish = (summary: string): Step => ({
      toolCalls: [
        { name: 'comment', arguments: { body: summary } },
        { name: 'set_status', arguments: { status: 'done' } },
      ],
    })
    add(await measured(() => run('ceo', delegateTo('vp-engineering', 'Search initiative'))))
    const initiative = (await pool.query('select number from work_items where parent_number = $1', [goal])).rows[0].number as number
    add(await measured(() => run('vp-engineering', delegateTo('backend-engineer', 'Search endpoint'))))
    const task = (await pool.query('select number from work_items where parent_number = $1', [initiative])).rows[0].number as number
    const busy = add(
      await measured(() =>
        run('backend-engineer', {
          toolCalls: [
            { name: 'comment', arguments: { body: 'Adding GET /search.' } },
            {
              name: 'propose_change',
              arguments: { title: 'Add search', body: 'Adds GET /search.', files: [{ path: 'src/search.js', content: 'export const search = () => []\n' }] },
            },
          ],
        }),
      ),
    )
    // A maintainer merges the pull request; the task closes, and each parent comes back in turn.
    await maya.issues.update({ owner, repo, issue_number: task, state: 'closed' })
    await waitFor(initiative, 'todo')
    add(await measured(() => run('vp-engineering', finish('Search shipped in the endpoint PR.'))))
    await waitFor(goal, 'todo')
    add(await measured(() => run('ceo', finish('Search is live.'))))
    if ((await statusOf(goal)) !== 'done') throw new Error('the goal did not finish')

    const completed = 3
    const tokens = (await pool.query<{ tokens: number }>('select sum(tokens)::int as tokens from heartbeat_runs')).rows[0]!.tokens
    const per = (n: number) => (n / completed).toFixed(1)
    return [
      { measure: 'GitHub requests, idle heartbeat', gaffer: String(idle.reads + idle.writes), baseline: String(idleBaseline.reads + idleBaseline.writes), note: 'baseline: a poller listing the agent\'s issues from GitHub' },
      { measure: 'GitHub requests, busy heartbeat (1 item → PR)', gaffer: `${busy.reads} reads, ${busy.writes} writes`, baseline: '-', note: 'claim, comment, branch, commit, draft PR, status' },
      { measure: 'model calls per completed item', gaffer: per(model.requests.length), baseline: '-', note: `goal → initiative → task → PR: ${model.requests.length} calls for ${completed} items` },
      { measure: 'tokens per completed item', gaffer: per(tokens), baseline: '-', note: 'scripted usage: 100 prompt + 20 completion per call' },
      { measure: 'GitHub reads per completed item', gaffer: per(total.reads), baseline: '-', note: 'heartbeats only (webhook processing excluded)' },
      { measure: 'GitHub writes per completed item', gaffer: per(total.writes), baseline: '-', note: 'includes installation token requests' },
    ]
  } finally {
    await gaffer.stop()
    await pool.end()
    await github.emulator.close()
    await model.close()
  }
}
