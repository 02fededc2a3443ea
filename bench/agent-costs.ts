import { createPool } from '../src/store/pool.ts'
import { countingOctokit } from './counting-octokit.ts'
import { startBenchReplica } from './replica.ts'
import type { Row } from './stats.ts'
import { startScriptedModel, type Step } from '../test/helpers/scripted-model.ts'

/**
 * What working agents cost in GitHub requests and model calls, against the emulated
 * GitHub and the scripted model server of the tests: a three-level delegation (goal →
 * initiative → task → pull request) run to the end, heartbeat by heartbeat. Each
 * heartbeat is counted with the webhooks its own writes cause, once they have settled.
 */
export async function benchAgentCosts(databaseUrl: string): Promise<Row[]> {
  const counting = countingOctokit()
  const { counts } = counting
  const model = await startScriptedModel()
  const pool = createPool(databaseUrl)
  const { github, gaffer, owner, repo, maya, stop } = await startBenchReplica({
    pool,
    Octokit: counting.Octokit,
    model: { apiKey: 'bench', baseUrl: model.url, defaultModel: 'gpt-4.1-mini', maxRetries: 0 },
    // BENCH_GRAPHQL=1: status moves as on GitHub, one GraphQL request each (the emulated GitHub has no GraphQL).
    graphql: Boolean(process.env.BENCH_GRAPHQL),
  })
  const statusOf = async (number: number) =>
    (await pool.query<{ status: string | null }>('select status from work_items where repository = $1 and number = $2', [github.repository, number]))
      .rows[0]?.status
  const waitFor = async (number: number, status: string) => {
    for (let i = 0; i < 400 && (await statusOf(number)) !== status; i += 1) await new Promise((r) => setTimeout(r, 50))
    if ((await statusOf(number)) !== status) throw new Error(`#${number} never became ${status}`)
  }
  const deliveries = async () => (await pool.query<{ n: number }>('select count(*)::int as n from webhook_deliveries')).rows[0]!.n
  /** Until the emulator has delivered every webhook and each is processed. */
  const settled = async () => {
    for (let seen = -1, now = await deliveries(); now !== seen; seen = now, now = await deliveries()) {
      await gaffer.deliveries.idle()
      await new Promise((resolve) => setTimeout(resolve, 300))
    }
  }
  const measured = async (work: () => Promise<unknown>) => {
    await settled()
    counting.reset()
    await work()
    await settled()
    return { ...counts }
  }
  const run = (agent: string, ...steps: Step[]) => {
    model.script(...steps)
    return gaffer.heartbeats.runNow(github.repository, agent)
  }
  try {
    const goal = (await maya.issues.create({ owner, repo, title: 'Launch search', labels: ['gaffer:goal'], body: 'Customers can search widgets.' }))
      .data.number
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
              arguments: {
                title: 'Add search',
                body: 'Adds GET /search.',
                files: [{ path: 'src/search.js', content: 'export const search = () => []\n' }],
              },
            },
          ],
        }),
      ),
    )
    // A maintainer merges the pull request; the task closes, and each parent comes back in turn.
    add(await measured(() => maya.issues.update({ owner, repo, issue_number: task, state: 'closed' })))
    await waitFor(initiative, 'todo')
    const flat = add(await measured(() => run('vp-engineering', finish('Search shipped in the endpoint PR.'))))
    await waitFor(goal, 'todo')
    add(await measured(() => run('ceo', finish('Search is live.'))))
    if ((await statusOf(goal)) !== 'done') throw new Error('the goal did not finish')

    const completed = 3
    const tokens = (await pool.query<{ tokens: number }>('select sum(tokens)::int as tokens from heartbeat_runs')).rows[0]!.tokens
    const per = (n: number) => (n / completed).toFixed(1)
    return [
      {
        measure: 'GitHub requests, busy heartbeat (1 item → PR)',
        gaffer: `${busy.reads} reads, ${busy.writes} writes`,
        baseline: '-',
        note: 'claim, context, comment, branch, commit, draft PR, status, and the webhooks they cause',
      },
      {
        measure: 'GitHub requests, flat heartbeat (1 item → done)',
        gaffer: `${flat.reads} reads, ${flat.writes} writes`,
        baseline: '-',
        note: 'the initiative back from its closed task: claim, context, comment, done, and the webhooks they cause',
      },
      {
        measure: 'model calls per completed item',
        gaffer: per(model.requests.length),
        baseline: '-',
        note: `goal → initiative → task → PR: ${model.requests.length} calls for ${completed} items`,
      },
      { measure: 'tokens per completed item', gaffer: per(tokens), baseline: '-', note: 'scripted usage: 100 prompt + 20 completion per call' },
      {
        measure: 'GitHub reads per completed item',
        gaffer: per(total.reads),
        baseline: '-',
        note: "the delegation's five heartbeats, the maintainer's close, and the webhooks they cause",
      },
      {
        measure: 'GitHub writes per completed item',
        gaffer: per(total.writes),
        baseline: '-',
        note: 'labels, comments, delegated issues, the branch, commit, PR and its check run, closing',
      },
    ]
  } finally {
    await stop()
    await pool.end()
    await model.close()
  }
}
