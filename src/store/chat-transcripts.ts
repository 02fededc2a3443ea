import type { TranscriptEntry } from '../runtime/chat-transcript.ts'
import type { Pool } from './pool.ts'

export type ChatTranscriptStart = { runId: number; repository: string; number: number; agent: string; model: string }

/** Where a chat run stands: written after every model turn, so a run in progress (or one its process died in) shows what it did. */
export type ChatTranscriptProgress = {
  turns: number
  inputTokens: number
  outputTokens: number
  costUsd: number
  entries: TranscriptEntry[]
  dropped: number
}

export type ChatTranscriptSummary = ChatTranscriptStart & {
  id: number
  outcome: string | null
  turns: number
  inputTokens: number
  outputTokens: number
  costUsd: number
  toolCalls: number
  startedAt: Date
  finishedAt: Date | null
}

export type ChatTranscriptRow = ChatTranscriptSummary & { entries: TranscriptEntry[]; dropped: number }

/** Records that a chat run started on an item, with the messages it opens with. */
export async function startChatTranscript(pool: Pool, start: ChatTranscriptStart, entries: TranscriptEntry[]): Promise<number> {
  const { rows } = await pool.query<{ id: number }>(
    `insert into chat_transcripts (run_id, repository, number, agent, model, entries) values ($1, $2, $3, $4, $5, $6) returning id`,
    [start.runId, start.repository, start.number, start.agent, start.model, JSON.stringify(entries)],
  )
  return rows[0]!.id
}

export async function recordChatProgress(pool: Pool, id: number, progress: ChatTranscriptProgress): Promise<void> {
  await pool.query(
    `update chat_transcripts set turns = $2, input_tokens = $3, output_tokens = $4, cost_usd = $5, entries = $6, dropped = $7 where id = $1`,
    [id, progress.turns, progress.inputTokens, progress.outputTokens, progress.costUsd, JSON.stringify(progress.entries), progress.dropped],
  )
}

export async function finishChatTranscript(pool: Pool, id: number, outcome: string, progress: ChatTranscriptProgress): Promise<void> {
  await recordChatProgress(pool, id, progress)
  await pool.query('update chat_transcripts set outcome = $2, finished_at = now() where id = $1', [id, outcome])
}

const summaryColumns = `id, run_id as "runId", repository, number, agent, model, outcome, turns, input_tokens as "inputTokens",
  output_tokens as "outputTokens", cost_usd::float8 as "costUsd", started_at as "startedAt", finished_at as "finishedAt",
  (select count(*)::int from jsonb_array_elements(entries) e, jsonb_array_elements(coalesce(e -> 'toolCalls', '[]'))) as "toolCalls"`

/** The chat runs on one item, newest first, without their messages. */
export async function listChatTranscripts(pool: Pool, repository: string, number: number): Promise<ChatTranscriptSummary[]> {
  const { rows } = await pool.query<ChatTranscriptSummary>(
    `select ${summaryColumns} from chat_transcripts where repository = $1 and number = $2 order by started_at desc, id desc`,
    [repository, number],
  )
  return rows
}

/** One chat run with its messages and tool calls. */
export async function getChatTranscript(pool: Pool, id: number): Promise<ChatTranscriptRow | undefined> {
  const { rows } = await pool.query<ChatTranscriptRow>(`select ${summaryColumns}, entries, dropped from chat_transcripts where id = $1`, [id])
  return rows[0]
}
