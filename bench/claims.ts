import { availableParallelism } from 'node:os'
import { performance } from 'node:perf_hooks'
import pg from 'pg'
import { claimNextReady, claimReady } from '../src/store/claims.ts'
import { createPool, type Pool } from '../src/store/pool.ts'
import { percentile, sortedCopy, type Row } from './stats.ts'

/**
 * What claims: Gaffer's claim (prepared, one item a statement), the SELECT … FOR UPDATE
 * baseline, and at the highest concurrency the variants that show where the time goes:
 * Gaffer's claim as it was before it was prepared (`unprepared`), three items a statement
 * (`batch`, a heartbeat of maxConcurrent 3), every claimer sharing one pool sized for the
 * cores (`shared-pool`), and the prepared claim without waiting for the WAL flush
 * (`async-commit`: `synchronous_commit = off`, not what Gaffer runs).
 */
export type Strategy = 'gaffer' | 'baseline' | 'unprepared' | 'batch' | 'shared-pool' | 'async-commit'

/** One measured configuration; `run.ts` prints these and writes them to results.json. */
export type ClaimBenchRow = {
  benchmark: string
  strategy: Strategy
  claimers: number
  items: number
  /** Successful claims (should equal `items`). */
  claims: number
  /** Claim attempts that found an item (select + update), won or lost. */
  attempts: number
  seconds: number
  claimsPerSecond: number
  /** Nearest-rank percentiles over every attempt's latency (select + update, or begin … commit). */
  p50Ms: number
  p99Ms: number
  /** Attempts whose conditional UPDATE found the item already taken. */
  lostRaces: number
  /** Items claimed successfully more than once, counted from the claims recorded in memory. */
  doubleClaims: number
  /** Items whose row disagrees with the in-memory record (claimed_by_run not the one winner, or not in progress). */
  dbMismatches: number
  /** Items still `todo` after every claimer stopped (0 when drained). */
  unclaimed: number
  /** True when the claimers emptied the queue; false when the run stopped at its time limit. */
  drained: boolean
}

export type ClaimBenchOptions = {
  /** Concurrency levels, measured for both strategies. */
  claimers?: readonly number[]
  /** Items per run for the Gaffer claimer. */
  items?: number
  /** Items per run for the baseline at a given concurrency (fewer where it is too slow). */
  baselineItems?: (claimers: number) => number
  /**
   * Claimers start no new attempt after this many seconds, so a slow configuration cannot
   * blow the time budget; such a row says how much of the queue it claimed.
   */
  maxSecondsPerRun?: number
  /** Progress lines go here (run.ts passes console.error so stdout keeps only the table). */
  progress?: (line: string) => void
}

const REPOSITORY = 'bench/claims'
const AGENT = 'bench-agent'
const LEASE_MS = 30 * 60 * 1000

/** Claims until the queue is empty or `deadline` (a performance.now() time) has passed. */
type Claimer = (pool: Pool, runId: number, tally: Tally, deadline: number) => Promise<void>

/** Gaffer's claimer taking up to `count` items a statement, as a heartbeat of maxConcurrent `count` does. */
const batchClaimer =
  (count: number): Claimer =>
  async (pool, runId, tally, deadline) => {
    while (performance.now() < deadline) {
      const start = performance.now()
      const claimed = await claimReady(pool, { repository: REPOSITORY, agent: AGENT, skip: [] }, { runId, leaseMs: LEASE_MS }, { count })
      tally.latencies.push(performance.now() - start)
      if (claimed.length === 0) return
      for (const item of claimed) tally.claims.push({ number: item.number, runId })
    }
  }

/**
 * Gaffer's claim as it was before it was prepared: the same conditional UPDATE, sent as
 * plain text, so Postgres plans it again for every claim.
 */
const unpreparedClaimer: Claimer = async (pool, runId, tally, deadline) => {
  while (performance.now() < deadline) {
    const start = performance.now()
    const { rows } = await pool.query<{ number: number }>(
      `update work_items set status = 'in-progress', status_changed_at = now(), claimed_by_run = $4,
          lease_expires_at = now() + make_interval(secs => $5::float8 / 1000), updated_at = now()
       where repository = $1 and number = (
           select number from work_items where repository = $1 and owner_agent = $2 and state = 'open' and status = 'todo'
             and (claimed_by_run is null or lease_expires_at < now()) and not (number = any($3))
           order by priority_score desc, github_created_at asc nulls last, number asc
           limit 1 for update skip locked)
         and state = 'open' and status = 'todo' and (claimed_by_run is null or lease_expires_at < now())
       returning *`,
      [REPOSITORY, AGENT, [], runId, LEASE_MS],
    )
    tally.latencies.push(performance.now() - start)
    const row = rows[0]
    if (!row) return
    tally.claims.push({ number: row.number, runId })
  }
}

type Tally = { latencies: number[]; claims: { number: number; runId: number }[]; lostRaces: number }

/** Gaffer's claimer, as a heartbeat runs it: one conditional UPDATE claims the best ready item. */
const gafferClaimer: Claimer = async (pool, runId, tally, deadline) => {
  while (performance.now() < deadline) {
    const start = performance.now()
    const claimed = await claimNextReady(pool, REPOSITORY, AGENT, [], { runId, leaseMs: LEASE_MS })
    tally.latencies.push(performance.now() - start)
    if (!claimed) return
    tally.claims.push({ number: claimed.number, runId })
  }
}

/**
 * The naive claimer: lock the best row with SELECT … FOR UPDATE inside a transaction,
 * then update it unconditionally. Claimers queue on the row lock instead of racing.
 * Same filter and order as claimNextReady, so only the locking strategy differs.
 */
const baselineClaimer: Claimer = async (pool, runId, tally, deadline) => {
  const client = await pool.connect()
  try {
    while (performance.now() < deadline) {
      const start = performance.now()
      await client.query('begin')
      try {
        const { rows } = await client.query<{ number: number }>(
          `select number from work_items
           where repository = $1 and owner_agent = $2 and state = 'open' and status = 'todo'
             and (claimed_by_run is null or lease_expires_at < now())
           order by priority_score desc, github_created_at asc nulls last, number asc
           limit 1
           for update`,
          [REPOSITORY, AGENT],
        )
        const row = rows[0]
        if (!row) {
          await client.query('commit')
          return
        }
        await client.query(
          `update work_items set status = 'in-progress', claimed_by_run = $3,
              lease_expires_at = now() + make_interval(secs => $4::float8 / 1000), updated_at = now()
           where repository = $1 and number = $2`,
          [REPOSITORY, row.number, runId, LEASE_MS],
        )
        await client.query('commit')
        tally.latencies.push(performance.now() - start)
        tally.claims.push({ number: row.number, runId })
      } catch (error) {
        await client.query('rollback').catch(() => {})
        throw error
      }
    }
  } finally {
    client.release()
  }
}

/** Empties work_items and fills it with `items` open `todo` items owned by one agent, in one statement. */
async function resetItems(admin: Pool, items: number): Promise<void> {
  await admin.query('truncate work_items')
  await admin.query(
    `insert into work_items (repository, number, kind, title, state, status, owner_agent, labels, priority_score)
     select $1, n, 'issue', 'bench item ' || n, 'open', 'todo', $2, array['status:todo', 'agent:' || $2], (n * 37) % 1001
     from generate_series(1, $3::int) as n`,
    [REPOSITORY, AGENT, items],
  )
  await admin.query('vacuum analyze work_items')
}

let nextRunId = 1

async function measure(
  url: string,
  admin: Pool,
  label: string,
  claimer: Claimer,
  claimers: number,
  items: number,
  maxSeconds: number,
  sessions: { shared?: number; asyncCommit?: boolean } = {},
): Promise<Omit<ClaimBenchRow, 'strategy'>> {
  await resetItems(admin, items)
  // One single-connection pool per claimer (every claimer has its own Postgres session), or
  // one pool of `sessions.shared` connections they all share; opened before the clock starts.
  const open = () =>
    sessions.asyncCommit
      ? new pg.Pool({ connectionString: url, max: sessions.shared ?? 1, options: '-c synchronous_commit=off' })
      : createPool(url, sessions.shared ?? 1)
  const pools = sessions.shared === undefined ? Array.from({ length: claimers }, open) : [open()]
  try {
    await Promise.all(pools.flatMap((pool) => Array.from({ length: sessions.shared ?? 1 }, () => pool.query('select pg_sleep(0.05)'))))
    const tally: Tally = { latencies: [], claims: [], lostRaces: 0 }
    const started = performance.now()
    const deadline = started + maxSeconds * 1000
    await Promise.all(Array.from({ length: claimers }, (_, i) => claimer(pools[i % pools.length]!, nextRunId++, tally, deadline)))
    const seconds = (performance.now() - started) / 1000

    const winners = new Map<number, number[]>()
    for (const claim of tally.claims) winners.set(claim.number, [...(winners.get(claim.number) ?? []), claim.runId])
    const doubleClaims = [...winners.values()].filter((runIds) => runIds.length > 1).length

    const { rows } = await admin.query<{ number: number; status: string; claimed_by_run: number | null }>(
      'select number, status, claimed_by_run from work_items where repository = $1',
      [REPOSITORY],
    )
    let dbMismatches = 0
    let unclaimed = 0
    for (const row of rows) {
      if (row.status === 'todo') unclaimed += 1
      const runIds = winners.get(row.number)
      const claimedOnce = runIds?.length === 1
      if (runIds === undefined ? row.status !== 'todo' : !claimedOnce || row.status !== 'in-progress' || row.claimed_by_run !== runIds[0]) {
        dbMismatches += 1
      }
    }

    const sorted = sortedCopy(tally.latencies)
    return {
      benchmark: label,
      claimers,
      items,
      claims: tally.claims.length,
      attempts: tally.latencies.length,
      seconds: round(seconds, 3),
      claimsPerSecond: round(tally.claims.length / seconds, 0),
      p50Ms: round(percentile(sorted, 50), 2),
      p99Ms: round(percentile(sorted, 99), 2),
      lostRaces: tally.lostRaces,
      doubleClaims,
      dbMismatches,
      unclaimed,
      drained: unclaimed === 0,
    }
  } finally {
    await Promise.all(pools.map((pool) => pool.end()))
  }
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits
  return Math.round(value * factor) / factor
}

/**
 * Claims per second and p50/p99 claim latency with 1, 10 and 50 concurrent claimers,
 * for Gaffer's conditional UPDATE and a SELECT … FOR UPDATE baseline, plus double
 * claims (must be 0). `url` is a migrated database that this benchmark may overwrite.
 */
export async function benchClaims(url: string, options: ClaimBenchOptions = {}): Promise<ClaimBenchRow[]> {
  const levels = options.claimers ?? [1, 10, 50]
  const items = options.items ?? 10_000
  const baselineItems = options.baselineItems ?? (() => items)
  const maxSeconds = options.maxSecondsPerRun ?? Number.POSITIVE_INFINITY
  const progress = options.progress ?? (() => {})
  // One connection per core and one more: Postgres runs a statement per connection, so more only queue inside it.
  const sharedPool = availableParallelism() + 1
  const admin = createPool(url, 1)
  try {
    await admin.query(`insert into repositories (full_name, installation_id) values ($1, 1) on conflict (full_name) do nothing`, [REPOSITORY])
    // Warm-up, not reported: first-use costs in Node and Postgres.
    await measure(url, admin, 'warm-up', gafferClaimer, 2, 300, 5)
    await measure(url, admin, 'warm-up', baselineClaimer, 2, 300, 5)

    const rows: ClaimBenchRow[] = []
    const variants: [Strategy, string, Claimer][] = [
      ['unprepared', 'gaffer, the claim before it was prepared', unpreparedClaimer],
      ['batch', 'gaffer, 3 items a claim (maxConcurrent 3)', batchClaimer(3)],
      ['shared-pool', `gaffer, claimers sharing a pool of ${sharedPool}`, gafferClaimer],
      ['async-commit', 'gaffer, synchronous_commit = off', gafferClaimer],
    ]
    for (const claimers of levels) {
      const runs: [ClaimBenchRow['strategy'], string, Claimer, number][] = [
        ['gaffer', 'gaffer (conditional UPDATE)', gafferClaimer, items],
        ['baseline', 'baseline (SELECT FOR UPDATE)', baselineClaimer, baselineItems(claimers)],
      ]
      if (claimers === Math.max(...levels))
        runs.push(...variants.map(([strategy, name, claimer]) => [strategy, name, claimer, items] as (typeof runs)[number]))
      for (const [strategy, name, claimer, count] of runs) {
        progress(`claims: ${name} with ${claimers} claimer${claimers === 1 ? '' : 's'} on ${count} items…`)
        const sessions = strategy === 'shared-pool' ? { shared: sharedPool } : strategy === 'async-commit' ? { asyncCommit: true } : {}
        const row = { ...(await measure(url, admin, name, claimer, claimers, count, maxSeconds, sessions)), strategy }
        progress(`  ${row.claims} claims, ${row.lostRaces} lost races in ${row.seconds}s`)
        const notes = [
          ...(count === items ? [] : [`${count.toLocaleString('en-US')} items`]),
          ...(row.drained ? [] : [`stopped at ${maxSeconds} s, ${row.claims.toLocaleString('en-US')} of ${count.toLocaleString('en-US')} claimed`]),
        ]
        rows.push(notes.length === 0 ? row : { ...row, benchmark: `${name} [${notes.join('; ')}]` })
      }
    }
    await admin.query('truncate work_items')
    return rows
  } finally {
    await admin.end()
  }
}

/** The claim runs as table rows: one per concurrency, Gaffer beside the baseline, and the double claims of all runs. */
export function claimTableRows(results: readonly ClaimBenchRow[]): Row[] {
  const figure = (row: ClaimBenchRow | undefined) => (row ? `${row.claimsPerSecond} (${row.p50Ms.toFixed(1)} / ${row.p99Ms.toFixed(1)})` : '-')
  const levels = [...new Set(results.map((row) => row.claimers))]
  const rows: Row[] = levels.map((claimers) => {
    const gaffer = results.find((row) => row.claimers === claimers && row.strategy === 'gaffer')
    const baseline = results.find((row) => row.claimers === claimers && row.strategy === 'baseline')
    const notes = [gaffer, baseline].flatMap((row) =>
      row && row.benchmark.includes('[') ? [`${row.strategy} ${row.benchmark.slice(row.benchmark.indexOf('['))}`] : [],
    )
    return {
      measure: `claims/s (p50 / p99 ms), ${claimers} claimer${claimers === 1 ? '' : 's'}`,
      gaffer: figure(gaffer),
      baseline: figure(baseline),
      note: ['conditional UPDATE over SKIP LOCKED vs SELECT … FOR UPDATE then UPDATE', ...notes].join('; '),
    }
  })
  const top = Math.max(...levels)
  const at = (strategy: Strategy) => results.find((row) => row.claimers === top && row.strategy === strategy)
  const prepared = at('gaffer')
  const variantRows: [Strategy, string, 'before' | 'variant', string][] = [
    [
      'unprepared',
      'prepared claim vs the claim before',
      'before',
      'baseline: the same UPDATE sent as text, planned again for every claim (Gaffer before this change)',
    ],
    [
      'batch',
      '3 items a claim',
      'variant',
      'claimReady with count 3, as a heartbeat of maxConcurrent 3 claims; claims/s counts items, latency is per statement; baseline: one a claim',
    ],
    [
      'shared-pool',
      'claimers sharing a pool sized for the cores',
      'variant',
      `all claimers through one pool of ${availableParallelism() + 1} connections (cores + 1), as one replica's heartbeats share its pool; latency includes waiting for a connection; baseline: a connection each`,
    ],
    [
      'async-commit',
      'synchronous_commit = off',
      'variant',
      'not what Gaffer runs: a claim acknowledged before its WAL reaches disk (a Postgres crash may lose the last ~0.6 s of claims); baseline: durable',
    ],
  ]
  for (const [strategy, label, side, note] of variantRows) {
    const row = at(strategy)
    if (!row) continue
    rows.push({
      measure: `claims/s (p50 / p99 ms), ${top} claimers: ${label}`,
      gaffer: figure(side === 'before' ? prepared : row),
      baseline: figure(side === 'before' ? row : prepared),
      note,
    })
  }
  const doubles = (gaffer: boolean) =>
    results.filter((row) => (row.strategy !== 'baseline') === gaffer).reduce((sum, row) => sum + row.doubleClaims + row.dbMismatches, 0)
  rows.push({
    measure: 'double claims, all runs',
    gaffer: String(doubles(true)),
    baseline: String(doubles(false)),
    note: 'items claimed twice or whose row disagrees with the one winner; must be 0',
  })
  return rows
}
