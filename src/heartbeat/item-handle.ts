import type { Pool } from '../store/pool.ts'
import { getWorkItem, type WorkItem } from '../store/work-items.ts'

/**
 * The one copy of the item a run works. The heartbeat, the model loop and the tools all
 * read it here, and a step that may have changed the item (a tool writing directly, a
 * status move) refreshes it here, so no step decides on an older copy than another holds.
 */
export type ItemHandle = {
  /** The item as last read or written. */
  get(): WorkItem
  /** Reads the item again from the mirror and returns it (the last copy, if it is gone). */
  refresh(): Promise<WorkItem>
  /** Takes the item as a write just left it, without reading the mirror. */
  set(item: WorkItem): void
}

export function createItemHandle(pool: Pool, item: WorkItem): ItemHandle {
  let current = item
  return {
    get: () => current,
    async refresh() {
      current = (await getWorkItem(pool, current.repository, current.number)) ?? current
      return current
    },
    set(next) {
      current = next
    },
  }
}
