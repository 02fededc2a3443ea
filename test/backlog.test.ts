import { describe, expect, it } from 'vitest'
import { useTestCompany } from './helpers/test-company.ts'

describe('a backlog drains without waiting for the cron', () => {
  const worked: number[] = []
  const c = useTestCompany({
    app: {
      settings: { wakes: true, wakeDebounceMs: 50 },
      work: async ({ item, setStatus }) => {
        worked.push(item.get().number)
        await setStatus('finish')
        return { tokens: 0, costUsd: 0 }
      },
    },
  })

  it('wakes the agent again while ready items remain past maxConcurrent', async () => {
    // The docs writer holds 2 items a heartbeat; five arrive at once.
    const numbers: number[] = []
    for (let i = 1; i <= 5; i += 1) {
      numbers.push((await c.maya.issues.create({ owner: c.owner, repo: c.repo, title: `Doc ${i}`, labels: ['agent:docs-writer'] })).data.number)
    }

    await expect.poll(() => [...worked].sort((a, b) => a - b), { timeout: 60_000, interval: 200 }).toEqual(numbers)
    const itemsPerRun = async () =>
      (
        await c.db.pool.query("select items from heartbeat_runs where agent = 'docs-writer' and finished_at is not null and items > 0 order by id")
      ).rows.map((row) => row.items as number)
    await expect.poll(async () => (await itemsPerRun()).reduce((a, b) => a + b, 0), { timeout: 10_000 }).toBe(5)
    expect(await itemsPerRun()).toEqual([2, 2, 1])
  })
})
