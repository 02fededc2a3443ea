import type { AppProcess } from './fork-app.ts'
import { count, openIssue, sleep, waitFor, type ChaosRow, type ChaosWorld } from './chaos-faults.ts'

const SPECIALISTS = ['backend-engineer', 'frontend-engineer', 'docs-writer']

async function wake(world: ChaosWorld, agent: string): Promise<void> {
  // No admin token and a loopback request without proxy headers: the admin API serves it.
  const response = await fetch(`http://127.0.0.1:${world.port}/gaffer/api/agents/${agent}/wake`, { method: 'POST' })
  await response.text()
}

/**
 * 3. kill -9 of a replica while each specialist holds a claimed item and waits on a model
 * that never answers in time; a new replica starts at once (as a supervisor restarts it),
 * and the clock runs from the kill until every item is claimable and every run has an outcome.
 */
export async function killMidHeartbeat(
  world: ChaosWorld,
  options: { startHanging: () => Promise<AppProcess>; restart: () => Promise<AppProcess>; leaseMs: number; sweepMs: number },
): Promise<{ rows: ChaosRow[]; app: AppProcess }> {
  const doomed = await options.startHanging()
  const numbers: number[] = []
  for (const agent of SPECIALISTS) numbers.push(await openIssue(world, `Crash while ${agent} works`, [`agent:${agent}`]))
  // Earlier faults leave routed items too, and an agent may pick one of those first: count every claim.
  const claimed = () =>
    count(world.pool, "select count(*) from work_items where repository = $1 and status = 'in-progress' and claimed_by_run is not null", [
      world.github.repository,
    ])
  await waitFor(claimed, (n) => n >= numbers.length, 5_000)
  for (const agent of SPECIALISTS) void wake(world, agent).catch(() => {})
  const k = await waitFor(claimed, (n) => n >= numbers.length, 30_000)
  const atKill = (
    await world.pool.query<{ number: number; status: string; claimed_by_run: string | null }>(
      'select number, status, claimed_by_run from work_items where repository = $1 and claimed_by_run is not null',
      [world.github.repository],
    )
  ).rows
  if (process.env.CHAOS_DEBUG) console.error('chaos: at the kill', atKill)
  const held = atKill.filter((row) => row.claimed_by_run !== null)
  const runs = [...new Set(held.map((row) => Number(row.claimed_by_run)))]
  const heldNumbers = held.map((row) => row.number)

  process.kill(doomed.pid, 'SIGKILL')
  const killedAt = performance.now()
  await sleep(200)
  const app = await options.restart()

  const claimable = () =>
    count(world.pool, "select count(*) from work_items where repository = $1 and number = any($2) and status = 'todo' and claimed_by_run is null", [
      world.github.repository,
      heldNumbers,
    ])
  const budget = options.leaseMs * 3 + options.sweepMs * 2
  const freed = await waitFor(claimable, (n) => n === heldNumbers.length, budget)
  const freedSeconds = (performance.now() - killedAt) / 1000
  const open = () => count(world.pool, 'select count(*) from heartbeat_runs where id = any($1) and finished_at is null', [runs])
  const stillOpen = await waitFor(open, (n) => n === 0, budget)
  const closedSeconds = (performance.now() - killedAt) / 1000
  // The lease, then a few sweeps of slack: the sweep that sees the lapse may be busy reconciling on a loaded machine.
  const withinSeconds = (options.leaseMs + 5 * options.sweepMs) / 1000

  return {
    app,
    rows: [
      {
        fault: '3. kill -9 mid-heartbeat',
        measure: `items stuck in-progress after the restart (${k} claimed when killed)`,
        gaffer: `${k - freed} of ${k}`,
        goal: `0 of ${k}`,
        before: '3 of 3 for 33.5 min',
        met: k >= SPECIALISTS.length && freed === k,
      },
      {
        fault: '',
        measure: `seconds from the kill until claimable again (lease ${options.leaseMs / 1000} s)`,
        gaffer: freed === k ? freedSeconds.toFixed(1) : `> ${freedSeconds.toFixed(0)}`,
        goal: `≤ ${withinSeconds} (lease + 5 sweeps)`,
        before: '2010 (the 30-minute lease)',
        met: freed === k && freedSeconds <= withinSeconds,
      },
      {
        fault: '',
        measure: 'crashed runs without an outcome after the next start',
        gaffer: `${stillOpen} of ${runs.length} (${closedSeconds.toFixed(1)} s)`,
        goal: `0 of ${runs.length}`,
        before: '5 of 5',
        met: runs.length > 0 && stillOpen === 0,
      },
    ],
  }
}

/** 5. A model server that refuses every connection: `calls` heartbeats of one agent with one item. */
export async function modelOutage(world: ChaosWorld, calls: number): Promise<ChaosRow[]> {
  const number = await openIssue(world, 'Needs a model that is down', ['agent:backend-engineer'])
  await waitFor(
    () =>
      count(world.pool, "select count(*) from work_items where repository = $1 and number = $2 and status = 'todo'", [
        world.github.repository,
        number,
      ]),
    (n) => n === 1,
    20_000,
  )
  const startedAt = new Date()
  for (let call = 0; call < calls; call += 1) await wake(world, 'backend-engineer')
  const worked = await count(world.pool, "select count(*) from heartbeat_runs where started_at >= $1 and outcome = 'worked'", [startedAt])
  const outcomes = (
    await world.pool.query<{ outcome: string | null }>('select outcome from heartbeat_runs where started_at >= $1 order by id', [startedAt])
  ).rows.map((row) => row.outcome ?? 'open')
  const attempts = await count(world.pool, 'select attempts as count from work_items where repository = $1 and number = $2', [
    world.github.repository,
    number,
  ])
  const state = (await (await fetch(`http://127.0.0.1:${world.port}/gaffer/api/state`)).json()) as {
    modelBreaker?: { state: string; since: string | null; lastError: string | null }
  }
  // One breaker row shared by every replica: open means it tripped once; the log line is the app's own.
  const trips = state.modelBreaker?.state === 'open' ? 1 : 0
  return [
    {
      fault: '5. model outage',
      measure: `runs recorded worked (${calls} heartbeats, connections refused)`,
      gaffer: `${worked} (${outcomes.join(', ')})`,
      goal: '0',
      before: 'every run worked',
      met: worked === 0,
    },
    { fault: '', measure: 'attempts burned on the item', gaffer: String(attempts), goal: '0', before: '1 per run', met: attempts === 0 },
    {
      fault: '',
      measure: 'global breaker trips (state API)',
      gaffer: `${trips}${state.modelBreaker?.lastError ? ` (${state.modelBreaker.lastError})` : ''}`,
      goal: '1',
      before: 'no breaker',
      met: trips === 1,
    },
  ]
}
