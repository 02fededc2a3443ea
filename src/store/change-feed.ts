import pg from 'pg'
import type { Pool } from './pool.ts'

/** The channel migration 013's triggers notify with the name of the table that changed. */
export const CHANGES_CHANNEL = 'gaffer_changes'

export type ChangeFeed = { close(): Promise<void> }

/**
 * Listens for changes to what the dashboard shows, made by any replica: one connection of
 * its own (outside the pool, so a dashboard left open never takes a query slot), which
 * `onChange` hears with the table's name. `onLost` is told once if the connection breaks;
 * the caller opens a new feed.
 */
export async function listenForChanges(pool: Pool, onChange: (table: string) => void, onLost: (error: Error) => void): Promise<ChangeFeed> {
  const client = new pg.Client({ ...pool.options, keepAlive: true })
  let closing = false
  let lost = false
  const lose = (error: Error) => {
    if (closing || lost) return
    lost = true
    onLost(error)
  }
  client.on('notification', (message) => {
    if (message.channel === CHANGES_CHANNEL) onChange(message.payload ?? '')
  })
  client.on('error', lose)
  client.on('end', () => lose(new Error('the database closed the change feed connection')))
  try {
    await client.connect()
    await client.query(`listen ${CHANGES_CHANNEL}`)
  } catch (error) {
    closing = true
    await client.end().catch(() => {})
    throw error
  }
  return {
    async close() {
      closing = true
      await client.end().catch(() => {})
    },
  }
}
