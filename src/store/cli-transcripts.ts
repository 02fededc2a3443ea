import type { Pool } from './pool.ts'

export type CliTranscriptStart = { runId: number; repository: string; number: number; agent: string; runtime: string; adapter: string }

export type CliTranscriptEnd = {
  exitCode: number | null
  sandboxed: boolean
  killed: 'timeout' | 'aborted' | undefined
  /** What Gaffer made of it: published, done, blocked, failed. */
  outcome: string
  inputTokens: number
  outputTokens: number
  costUsd: number
  report: string
  transcript: string
}

export type CliTranscriptRow = CliTranscriptStart & CliTranscriptEnd & { id: number; startedAt: Date; finishedAt: Date | null }

/** Records that a CLI run started, so a run the process dies in is still visible. */
export async function startCliTranscript(pool: Pool, start: CliTranscriptStart): Promise<number> {
  const { rows } = await pool.query<{ id: string }>(
    `insert into cli_transcripts (run_id, repository, number, agent, runtime, adapter)
     values ($1, $2, $3, $4, $5, $6) returning id`,
    [start.runId, start.repository, start.number, start.agent, start.runtime, start.adapter],
  )
  return Number(rows[0]!.id)
}

export async function finishCliTranscript(pool: Pool, id: number, end: CliTranscriptEnd): Promise<void> {
  await pool.query(
    `update cli_transcripts set exit_code = $2, killed = $3, outcome = $4, input_tokens = $5, output_tokens = $6, cost_usd = $7,
       report = $8, transcript = $9, sandboxed = $10, finished_at = now() where id = $1`,
    [id, end.exitCode, end.killed ?? null, end.outcome, end.inputTokens, end.outputTokens, end.costUsd, end.report, end.transcript, end.sandboxed],
  )
}

const rowColumns = `id, run_id, repository, number, agent, runtime, adapter, sandboxed, exit_code, killed, outcome, input_tokens, output_tokens,
  cost_usd::float8 as cost_usd, report, transcript, started_at, finished_at`

/** The CLI runs on one item, newest first. */
export async function listCliTranscripts(pool: Pool, repository: string, number: number): Promise<CliTranscriptRow[]> {
  const { rows } = await pool.query<Record<string, unknown>>(
    `select ${rowColumns} from cli_transcripts where repository = $1 and number = $2 order by started_at desc, id desc`,
    [repository, number],
  )
  return rows.map(toRow)
}

function toRow(row: Record<string, unknown>): CliTranscriptRow {
  return {
    id: Number(row.id),
    runId: Number(row.run_id),
    repository: String(row.repository),
    number: Number(row.number),
    agent: String(row.agent),
    runtime: String(row.runtime),
    adapter: String(row.adapter),
    sandboxed: Boolean(row.sandboxed),
    exitCode: row.exit_code === null ? null : Number(row.exit_code),
    killed: (row.killed ?? undefined) as CliTranscriptRow['killed'],
    outcome: String(row.outcome ?? ''),
    inputTokens: Number(row.input_tokens),
    outputTokens: Number(row.output_tokens),
    costUsd: Number(row.cost_usd),
    report: String(row.report),
    transcript: String(row.transcript),
    startedAt: row.started_at as Date,
    finishedAt: (row.finished_at ?? null) as Date | null,
  }
}

export type CliTranscriptSummary = Omit<CliTranscriptRow, 'transcript' | 'report'> & { bytes: number }

/** The CLI runs on one item, newest first, without what they printed. */
export async function listCliTranscriptSummaries(pool: Pool, repository: string, number: number): Promise<CliTranscriptSummary[]> {
  const { rows } = await pool.query<CliTranscriptSummary>(
    `select id, run_id as "runId", repository, number, agent, runtime, adapter, sandboxed, exit_code as "exitCode", killed, outcome,
       input_tokens as "inputTokens", output_tokens as "outputTokens", cost_usd::float8 as "costUsd", octet_length(transcript) as bytes,
       started_at as "startedAt", finished_at as "finishedAt"
     from cli_transcripts where repository = $1 and number = $2 order by started_at desc, id desc`,
    [repository, number],
  )
  return rows
}

/** One CLI run with its report and event stream. */
export async function getCliTranscript(pool: Pool, id: number): Promise<CliTranscriptRow | undefined> {
  const { rows } = await pool.query<Record<string, unknown>>(`select ${rowColumns} from cli_transcripts where id = $1`, [id])
  return rows[0] && toRow(rows[0])
}
