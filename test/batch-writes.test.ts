import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { allFulfilled, batchWrites, type BatchOutcome } from '../src/store/batch-writes.ts'
import { upsertRepository } from '../src/store/repositories.ts'
import { upsertWorkItem } from '../src/store/upsert-work-item.ts'
import { getWorkItem, type GitHubItem } from '../src/store/work-items.ts'
import { useMigratedDatabase } from './helpers/database.ts'

describe('batched writes (group commit)', () => {
  it('writes the first item at once and the items that arrive meanwhile together, each caller getting its own outcome', async () => {
    const batches: number[][] = []
    const write = batchWrites(async (items: number[]): Promise<BatchOutcome<number>> => {
      batches.push(items)
      await new Promise((resolve) => setTimeout(resolve, 5))
      return items.map((item) => (item === 4 ? { status: 'rejected', reason: new Error('four refused') } : { status: 'fulfilled', value: item * 10 }))
    })

    const outcomes = await Promise.allSettled([1, 2, 3, 4, 5].map((item) => write(item)))

    expect(batches).toEqual([[1], [2, 3, 4, 5]])
    expect(outcomes.map((outcome) => (outcome.status === 'fulfilled' ? outcome.value : (outcome.reason as Error).message))).toEqual([
      10,
      20,
      30,
      'four refused',
      50,
    ])
  })

  it('with sameTurn, writes the items asked for in the same turn of the event loop together, the first included', async () => {
    const batches: number[][] = []
    const write = batchWrites(
      async (items: number[]): Promise<BatchOutcome<number>> => {
        batches.push(items)
        await new Promise((resolve) => setTimeout(resolve, 5))
        return allFulfilled(items)
      },
      100,
      { sameTurn: true },
    )

    const first = [1, 2, 3].map((item) => write(item))
    await new Promise((resolve) => setTimeout(resolve, 1))
    // Asked while the first write is on its way: the next one, as without sameTurn.
    const later = [4, 5].map((item) => write(item))

    expect(await Promise.all([...first, ...later])).toEqual([1, 2, 3, 4, 5])
    expect(batches).toEqual([
      [1, 2, 3],
      [4, 5],
    ])
  })

  it('fails every item of a batch whose write throws, then goes on with the next batch', async () => {
    let calls = 0
    const write = batchWrites(async (items: string[]) => {
      calls += 1
      await new Promise((resolve) => setTimeout(resolve, 5))
      if (calls === 1) throw new Error('connection lost')
      return allFulfilled(items)
    }, 2)

    const outcomes = await Promise.allSettled(['a', 'b', 'c', 'd'].map((item) => write(item)))

    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'fulfilled', 'fulfilled', 'fulfilled'])
    expect(calls).toBe(3)
  })
})

describe('batched mirror writes (real Postgres)', () => {
  const db = useMigratedDatabase()

  it('writes the other items of a batch when the database refuses one of them', async () => {
    const repository = `o/known-${randomUUID()}`
    await upsertRepository(db.pool, { fullName: repository, installationId: 1, defaultBranch: 'main' })
    const item = (repo: string, number: number): GitHubItem => ({
      repository: repo,
      number,
      kind: 'issue',
      title: `Item ${number}`,
      state: 'open',
      labels: [],
      author: 'maya',
      body: '',
      createdAt: '2026-01-01T00:00:00Z',
      updatedAt: '2026-01-01T00:00:00Z',
    })
    const upsert = (repo: string, number: number) => upsertWorkItem(db.pool, item(repo, number), { provenance: undefined })
    // The first write goes alone; the three asked while it is on its way share the next statement.
    const first = upsert(repository, 1)
    const batch = [upsert(repository, 2), upsert(`o/unknown-${randomUUID()}`, 3), upsert(repository, 4)]

    const outcomes = await Promise.allSettled([first, ...batch])

    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled'])
    expect((await getWorkItem(db.pool, repository, 2))?.title).toBe('Item 2')
    expect((await getWorkItem(db.pool, repository, 4))?.title).toBe('Item 4')
  })
})
