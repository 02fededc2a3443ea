import type { Logger } from './log.ts'

export type StopList = {
  /** Records something started; once stopping has begun, it is stopped at once instead. */
  add(name: string, stop: () => Promise<void>): void
  /** Stops everything added, last first; one failing stop does not keep the others running. Again later: also what was added since. */
  stopAll(): Promise<void>
}

/**
 * What a start has brought up so far, so that a failure or a signal halfway through
 * stops exactly that: an embedded Postgres is a process of its own and outlives Node.
 */
export function createStopList(log: Logger): StopList {
  const started: Array<{ name: string; stop: () => Promise<void> }> = []
  const late: Array<Promise<void>> = []
  let stopping: Promise<void> | undefined
  const stopOne = async (entry: { name: string; stop: () => Promise<void> }) => {
    try {
      await entry.stop()
    } catch (error) {
      log.error({ err: error, part: entry.name }, 'could not stop')
    }
  }
  return {
    add(name, stop) {
      if (stopping) late.push(stopping.then(() => stopOne({ name, stop })))
      else started.push({ name, stop })
    },
    async stopAll() {
      stopping ??= (async () => {
        for (const entry of started.reverse()) await stopOne(entry)
      })()
      await stopping
      await Promise.all(late)
    },
  }
}
