import type { Pool } from './pool.ts'

export type RunItem = { runId: number; repository: string; number: number; kind: 'chat' | 'cli'; toolCalls: number }

/** The items each of these heartbeat runs worked on, from their transcripts: what a run did, for the dashboard. */
export async function listRunItems(pool: Pool, runIds: readonly number[]): Promise<RunItem[]> {
  if (runIds.length === 0) return []
  const { rows } = await pool.query<RunItem>(
    `select run_id as "runId", repository, number, 'chat' as kind,
            (select count(*)::int from jsonb_array_elements(entries) e, jsonb_array_elements(coalesce(e -> 'toolCalls', '[]'))) as "toolCalls"
       from chat_transcripts where run_id = any($1::bigint[])
     union all
     select run_id, repository, number, 'cli', 0 from cli_transcripts where run_id = any($1::bigint[])
     order by 1, 3`,
    [runIds],
  )
  return rows
}
