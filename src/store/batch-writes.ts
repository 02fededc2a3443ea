/** What one write of a batch did for each of its items, in order. */
export type BatchOutcome<R> = PromiseSettledResult<R>[]

/**
 * Group commit for one kind of write: the first item is written at once; items that
 * arrive while that write is on its way wait and go together in the next one (up to
 * `maxBatch`). Under no load nothing waits longer than before; under load one statement
 * and one commit carry many items instead of one each, which is what bounds intake when
 * every commit waits for its WAL flush. Each caller gets its own item's outcome.
 *
 * `sameTurn`: the first write waits for the rest of the event loop's turn (`setImmediate`),
 * so items asked for by callbacks run together (timers due at the same moment, answers
 * read from the database at once) go in it too, instead of the first going alone.
 */
export function batchWrites<T, R>(
  write: (items: T[]) => Promise<BatchOutcome<R>>,
  maxBatch = 100,
  options: { sameTurn?: boolean } = {},
): (item: T) => Promise<R> {
  type Waiting = { item: T; resolve: (value: R) => void; reject: (error: unknown) => void }
  let queue: Waiting[] = []
  let writing = false

  async function flush(): Promise<void> {
    writing = true
    while (queue.length > 0) {
      const batch = queue.slice(0, maxBatch)
      queue = queue.slice(batch.length)
      let outcomes: BatchOutcome<R>
      try {
        outcomes = await write(batch.map((waiting) => waiting.item))
      } catch (error) {
        outcomes = batch.map(() => ({ status: 'rejected', reason: error }))
      }
      batch.forEach((waiting, index) => {
        const outcome = outcomes[index]
        if (outcome?.status === 'fulfilled') waiting.resolve(outcome.value)
        else waiting.reject(outcome ? outcome.reason : new Error('the batch write returned fewer outcomes than items'))
      })
    }
    writing = false
  }

  return (item: T) =>
    new Promise<R>((resolve, reject) => {
      queue.push({ item, resolve, reject })
      if (writing) return
      writing = true
      if (options.sameTurn) setImmediate(() => void flush())
      else void flush()
    })
}

/** The outcome of a write that succeeds or fails for the whole batch at once. */
export function allFulfilled<R>(values: readonly R[]): BatchOutcome<R> {
  return values.map((value) => ({ status: 'fulfilled', value }))
}
