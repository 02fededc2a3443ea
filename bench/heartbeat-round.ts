import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { randomBytes } from 'node:crypto'
import { Octokit } from '@octokit/rest'
import { createEmulator } from 'emulate'
import { createScheduler } from '../src/heartbeat/scheduler.ts'
import { createLogger } from '../src/log.ts'
import type { Roster } from '../src/roster/roster.ts'
import { createPool, type Pool } from '../src/store/pool.ts'
import { countingOctokit } from './counting-octokit.ts'
import { startBenchReplica } from './replica.ts'
import { describeStatements, timeStatements, type StatementTimes } from './statement-time.ts'
import type { Row } from './stats.ts'
import type { HeartbeatResult } from '../src/heartbeat/heartbeat.ts'
import type { Fire } from '../src/store/heartbeat-runs.ts'

export type HeartbeatRoundResult = { rows: Row[]; raw: Record<string, number> }

const ITEMS = 10_000
const VPS = 4
const SPECIALISTS = 28
const FIRST_NUMBER = 100_000

type AgentDef = { slug: string; front: string }

const BASELINE_OWNER = 'maya'
const BASELINE_REPO = 'issues'
/** GitHub allows 5,000 requests an hour per token, and so does the emulator: one token per 4,000 issues created. */
const ISSUES_PER_TOKEN = 4_000

/**
 * A GitHub (emulated, separate from the app's) whose one repository holds `items` as
 * open issues, created through its API; returns a fresh token for the poller.
 */
async function startBaselineGitHub(items: readonly { title: string; labels: string[] }[]) {
  const tokens = Array.from({ length: Math.ceil(items.length / ISSUES_PER_TOKEN) + 1 }, () => `gho_${randomBytes(18).toString('hex')}`)
  const emulator = await createEmulator({
    service: 'github',
    port: 0,
    seed: {
      tokens: Object.fromEntries(tokens.map((token) => [token, { login: BASELINE_OWNER, scopes: ['repo'] }])),
      github: { users: [{ login: BASELINE_OWNER, name: 'Baseline poller' }], repos: [{ owner: BASELINE_OWNER, name: BASELINE_REPO }] },
    },
  })
  const [pollerToken, ...creators] = tokens as [string, ...string[]]
  for (let next = 0; next < items.length;) {
    const creator = new Octokit({ baseUrl: emulator.url, auth: creators[Math.floor(next / ISSUES_PER_TOKEN)] })
    const batch = items.slice(next, (next += 8))
    await Promise.all(
      batch.map((item) => creator.issues.create({ owner: BASELINE_OWNER, repo: BASELINE_REPO, title: item.title, labels: item.labels })),
    )
  }
  return { emulator, url: emulator.url, pollerToken }
}

/** A 33-agent org: a CEO, four VPs and 28 specialists split evenly under them. */
function org(): AgentDef[] {
  const agents: AgentDef[] = [{ slug: 'ceo', front: 'name: CEO\nrole: ceo\nheartbeat: "0 * * * *"\ntools: [comment, set_status, delegate]' }]
  for (let v = 1; v <= VPS; v += 1) {
    agents.push({
      slug: `vp-${v}`,
      front: `name: VP ${v}\nrole: vp\nreportsTo: ceo\nheartbeat: "*/30 * * * *"\ntools: [comment, set_status, delegate]`,
    })
  }
  for (let s = 1; s <= SPECIALISTS; s += 1) {
    const slug = `specialist-${String(s).padStart(2, '0')}`
    agents.push({
      slug,
      front: `name: Specialist ${s}\nrole: specialist\nreportsTo: vp-${((s - 1) % VPS) + 1}\nheartbeat: "*/15 * * * *"\ntools: [comment, set_status]`,
    })
  }
  return agents
}

/**
 * One cron tick of the org, through the scheduler as a replica runs it: each agent's task
 * (node-cron, its run coordinator on Postgres) set to fire at the same next whole second
 * (node-cron's six-field form; the org's own schedules, every 15, 30 and 60 minutes, all
 * match on the hour), every elected fire running its heartbeat. Waits for every
 * heartbeat to end.
 */
async function cronTick(
  pool: Pool,
  statements: ReturnType<typeof timeStatements>,
  run: (fire: Fire) => Promise<HeartbeatResult>,
  repository: string,
  agents: readonly AgentDef[],
): Promise<{ db: StatementTimes; wallMs: number; idle: number }> {
  const results: HeartbeatResult[] = []
  let allRan!: () => void
  const ran = new Promise<void>((resolve) => (allRan = resolve))
  const scheduler = createScheduler({
    pool,
    log: createLogger('silent'),
    fire: async (fire) => {
      results.push(await run(fire))
      if (results.length === agents.length) allRan()
    },
  })
  // At least a second ahead, so every task is registered before the tick.
  const at = new Date(Math.ceil((Date.now() + 1000) / 1000) * 1000)
  const schedule = `${at.getUTCSeconds()} ${at.getUTCMinutes()} ${at.getUTCHours()} * * *`
  try {
    const db = await statements.during(async () => {
      scheduler.sync(repository, { agents: agents.map(({ slug }) => ({ slug, heartbeat: schedule })) } as unknown as Roster)
      await Promise.race([
        ran,
        new Promise((_, reject) =>
          setTimeout(() => reject(new Error(`the cron tick ran ${results.length} of ${agents.length} heartbeats in 30 s`)), 31_000).unref(),
        ),
      ])
    })
    return { db, wallMs: Date.now() - at.getTime(), idle: results.filter((result) => result.outcome === 'idle').length }
  } finally {
    await scheduler.stop()
  }
}

/**
 * Heartbeat cost: one full round (every agent's heartbeat, one after another) of a
 * 33-agent org over a mirror of 10,000 open items none of which is ready, so every
 * heartbeat is idle. Gaffer decides from the mirror; the baseline heartbeat instead
 * lists its agent's open issues from GitHub, as a poller without a mirror would, from
 * an emulated repository holding the same 10,000 issues.
 */
export async function benchHeartbeatRound(databaseUrl: string): Promise<HeartbeatRoundResult> {
  const agents = org()
  const specialists = agents.filter((a) => a.slug.startsWith('specialist-')).map((a) => a.slug)
  const agentsDir = await mkdtemp(path.join(tmpdir(), 'gaffer-bench-agents-'))
  for (const agent of agents) {
    await mkdir(path.join(agentsDir, agent.slug))
    await writeFile(
      path.join(agentsDir, agent.slug, 'AGENTS.md'),
      `---\n${agent.front}\n---\n# ${agent.slug}\n\nYou are ${agent.slug}. Work the items assigned to you, one at a time.\n`,
    )
  }

  const counting = countingOctokit()
  const pool = createPool(databaseUrl)
  const statements = timeStatements(pool)

  const { github, gaffer, stop } = await startBenchReplica({ pool, Octokit: counting.Octokit, agentsDir })
  let baseline: Awaited<ReturnType<typeof startBaselineGitHub>> | undefined
  try {
    await gaffer.deliveries.idle()
    // The replica reconciled the emulated repository at start (which drops mirror rows
    // GitHub does not have), so the 10,000 items go in afterwards, straight into SQL.
    await pool.query(`insert into repositories (full_name, installation_id) values ($1, $2) on conflict (full_name) do nothing`, [
      github.repository,
      github.app.installationId,
    ])
    // None is ready: review and waiting items wait on others; blocked ones are already
    // with the humans (escalated_to 'humans'), so no manager has an escalation to handle.
    await pool.query(
      `insert into work_items (repository, number, kind, title, state, status, owner_agent, labels, author,
          blocked_reason, escalated_to, escalation_level, escalated_at, github_created_at, github_updated_at, body)
       select $1, $2 + i, 'issue', 'Item ' || i, 'open', s.status, s.owner, array['agent:' || s.owner, 'status:' || s.status], 'maya',
              case when s.status = 'blocked' then 'needs a decision' end,
              case when s.status = 'blocked' then 'humans' end,
              case when s.status = 'blocked' then 3 else 0 end,
              case when s.status = 'blocked' then now() end,
              now() - make_interval(mins => i), now() - make_interval(mins => i), 'Body of item ' || i
       from generate_series(0, $3 - 1) as i,
            lateral (select ($4::text[])[1 + i % cardinality($4::text[])] as owner,
                            (array['review', 'waiting', 'blocked', 'review', 'waiting'])[1 + (i / 7) % 5] as status) as s`,
      [github.repository, FIRST_NUMBER, ITEMS, specialists],
    )
    await pool.query('analyze work_items')
    const ready = (await pool.query<{ n: number }>(`select count(*)::int as n from work_items where state = 'open' and status = 'todo'`)).rows[0]!.n

    // Warm-up: one heartbeat, so the round does not pay for the first token request and cold caches.
    await gaffer.heartbeats.runNow(github.repository, 'ceo')

    counting.reset()
    const outcomes = new Map<string, number>()
    const started = performance.now()
    const db = await statements.during(async () => {
      for (const agent of agents) {
        const result = await gaffer.heartbeats.runNow(github.repository, agent.slug)
        outcomes.set(result.outcome, (outcomes.get(result.outcome) ?? 0) + 1)
      }
    })
    const roundMs = performance.now() - started
    const round = { requests: counting.total(), dbMs: db.busyMs, queries: db.count }

    // One cron tick as production has it: every agent's task fires at the same moment
    // (the org's schedules all match on the hour), each asks the run coordinator, and
    // every elected fire runs its heartbeat, all at once. The first tick opens the pool's
    // other connections and prepares the statements on them; the second is measured.
    const firstTick = await cronTick(pool, statements, gaffer.heartbeats.run, github.repository, agents)
    const tick = await cronTick(pool, statements, gaffer.heartbeats.run, github.repository, agents)

    // Baseline: each heartbeat lists its agent's open issues from GitHub instead, from a
    // second emulated GitHub whose repository holds the same 10,000 issues with the same
    // labels (the app's own repository cannot: the replica would mirror and route them).
    const items = (
      await pool.query<{ labels: string[]; title: string }>(
        'select labels, title from work_items where repository = $1 and number >= $2 order by number',
        [github.repository, FIRST_NUMBER],
      )
    ).rows
    baseline = await startBaselineGitHub(items)
    const poller = new Octokit({ baseUrl: baseline.url, auth: baseline.pollerToken })
    let baseRequests = 0
    poller.hook.before('request', () => {
      baseRequests += 1
    })
    const target = { owner: BASELINE_OWNER, repo: BASELINE_REPO, state: 'open' as const }
    await poller.request('GET /repos/{owner}/{repo}/issues', { ...target, per_page: 1 })
    baseRequests = 0
    const baseStarted = performance.now()
    let listed = 0
    for (const agent of agents) {
      const issues = await poller.paginate('GET /repos/{owner}/{repo}/issues', { ...target, labels: `agent:${agent.slug}`, per_page: 100 })
      listed += issues.length
    }
    const baseMs = performance.now() - baseStarted

    const n = agents.length
    const idle = outcomes.get('idle') ?? 0
    return {
      rows: [
        {
          measure: `round wall time (${n} heartbeats, ${ITEMS} open items)`,
          gaffer: `${roundMs.toFixed(0)} ms`,
          baseline: `${baseMs.toFixed(0)} ms`,
          note: `gaffer: ${idle} of ${n} heartbeats idle, ${ready} ready items; baseline: each agent's open issues listed from a GitHub (emulated) holding the same ${ITEMS}`,
        },
        {
          measure: 'database time in the round',
          gaffer: `${round.dbMs.toFixed(0)} ms, ${round.queries} queries`,
          baseline: '-',
          note: `${(round.dbMs / n).toFixed(1)} ms and ${(round.queries / n).toFixed(1)} queries per heartbeat (API wakes one after another), each statement timed on its connection: ${describeStatements(db)}`,
        },
        {
          measure: `database time in one cron tick (${n} fires at once)`,
          gaffer: `${tick.db.busyMs.toFixed(0)} ms, ${tick.db.count} queries`,
          baseline: '-',
          note:
            `${tick.idle} of ${n} idle, ${tick.wallMs.toFixed(0)} ms from the tick to the last heartbeat's end; database time is the time ` +
            `any of the tick's statements was on its way (their times added up: ${tick.db.ms.toFixed(0)} ms); ` +
            `the tick before it, on fresh connections: ${firstTick.db.busyMs.toFixed(0)} ms, ${firstTick.db.count} queries; ` +
            `by statement (times added up): ${describeStatements(tick.db)}`,
        },
        {
          measure: 'GitHub requests per idle heartbeat',
          gaffer: (round.requests / n).toFixed(2),
          baseline: (baseRequests / n).toFixed(2),
          note: `baseline: pages of 100 of each agent's open issues, ${baseRequests} in the round, ${listed} issues listed`,
        },
      ],
      raw: {
        agents: n,
        items: ITEMS,
        idleHeartbeats: idle,
        roundMs,
        dbMs: round.dbMs,
        dbQueries: round.queries,
        tickWallMs: tick.wallMs,
        tickDbMs: tick.db.busyMs,
        tickDbSummedMs: tick.db.ms,
        tickDbQueries: tick.db.count,
        tickIdleHeartbeats: tick.idle,
        firstTickDbMs: firstTick.db.busyMs,
        firstTickDbQueries: firstTick.db.count,
        githubRequests: round.requests,
        baselineRoundMs: baseMs,
        baselineGithubRequests: baseRequests,
        baselineIssuesListed: listed,
      },
    }
  } finally {
    await baseline?.emulator.close()
    await stop()
    await pool.end()
    await rm(agentsDir, { recursive: true, force: true })
  }
}
