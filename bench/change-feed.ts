import { performance } from 'node:perf_hooks'
import { createLogger } from '../src/log.ts'
import { listenForChanges } from '../src/store/change-feed.ts'
import { migrate } from '../src/store/migrate.ts'
import { createPool } from '../src/store/pool.ts'
import { percentile, sortedCopy } from './stats.ts'
import type { Row } from './stats.ts'

const WRITES = 2_000
const REPOSITORY = 'bench/feed'

/**
 * What live dashboards cost the database: `WRITES` status updates of work items (one
 * statement each, as the status writer makes them) with the change-feed trigger, against
 * the same updates with the trigger disabled, measured in the same database; then how
 * long a change takes to reach a listening replica.
 */
export async function benchChangeFeed(databaseUrl: string): Promise<Row[]> {
  const pool = createPool(databaseUrl, 4)
  const log = createLogger('warn')
  try {
    await migrate(pool)
    await pool.query('insert into repositories (full_name, installation_id) values ($1, 1) on conflict do nothing', [REPOSITORY])
    await pool.query(
      `insert into work_items (repository, number, kind, title, state, status)
       select $1, n, 'issue', 'item ' || n, 'open', 'todo' from generate_series(1, 100) as n`,
      [REPOSITORY],
    )
    const writes = async () => {
      const started = performance.now()
      for (let i = 0; i < WRITES; i += 1) {
        await pool.query(
          "update work_items set status = case when status = 'todo' then 'in-progress' else 'todo' end, updated_at = now() where repository = $1 and number = $2",
          [REPOSITORY, (i % 100) + 1],
        )
      }
      return ((performance.now() - started) * 1000) / WRITES
    }
    // Warm the connections and the plan cache first, then alternate so drift hits both alike.
    await writes()
    await pool.query('alter table work_items disable trigger work_items_changed')
    const without1 = await writes()
    await pool.query('alter table work_items enable trigger work_items_changed')
    const with1 = await writes()
    await pool.query('alter table work_items disable trigger work_items_changed')
    const without2 = await writes()
    await pool.query('alter table work_items enable trigger work_items_changed')

    // One dashboard open on a replica: the feed listens; each write's notification arrives.
    const waits: number[] = []
    let arrived: (() => void) | undefined
    const feed = await listenForChanges(
      pool,
      () => arrived?.(),
      (error) => log.warn({ err: error }, 'feed lost'),
    )
    let withListener: number
    try {
      withListener = await writes()
      for (let i = 0; i < 200; i += 1) {
        const heard = new Promise<void>((resolve) => (arrived = resolve))
        const started = performance.now()
        await pool.query('update work_items set updated_at = now() where repository = $1 and number = $2', [REPOSITORY, (i % 100) + 1])
        await heard
        waits.push(performance.now() - started)
      }
    } finally {
      await feed.close()
    }
    const sorted = sortedCopy(waits)
    const baseline = (without1 + without2) / 2
    const us = (value: number) => `${value.toFixed(0)} µs`
    return [
      {
        measure: 'status update, change trigger on',
        gaffer: us(with1),
        baseline: us(baseline),
        note: `mean of ${WRITES} single-statement updates of work_items; baseline: the same updates with the NOTIFY trigger disabled (two runs around it, averaged)`,
      },
      {
        measure: 'status update, one dashboard listening',
        gaffer: us(withListener),
        baseline: us(baseline),
        note: 'the same updates while a replica holds the LISTEN connection an open dashboard opens',
      },
      {
        measure: 'change to listening replica (p50 / p99)',
        gaffer: `${percentile(sorted, 50).toFixed(1)} / ${percentile(sorted, 99).toFixed(1)} ms`,
        baseline: '10,000 ms',
        note: 'from sending an update to hearing its notification; baseline: the dashboard before, which reloaded every 10 s (a person waited 5 s on average)',
      },
    ]
  } finally {
    await pool.end()
  }
}
