import { describe, expect, it } from 'vitest'
import { boundTranscript, ENTRY_LIMIT, transcriptEntry, type TranscriptEntry } from '../src/runtime/chat-transcript.ts'
import { getChatTranscript, listChatTranscripts } from '../src/store/chat-transcripts.ts'
import { defaultRetention, pruneOldRecords } from '../src/store/retention.ts'
import { useTestCompany, openSettledIssue } from './helpers/test-company.ts'

describe('chat run transcripts, stored by the runtime and served for the item page', () => {
  const c = useTestCompany({ model: true, app: { owners: ['maya'] } })
  const repository = () => c.github.repository
  const openIssue = (title: string) => openSettledIssue(c, { title, labels: ['area:backend', 'priority:p0'], body: 'Please fix.' })

  it("keeps a chat run's messages and tool calls with each turn's tokens and cost", async () => {
    const number = await openIssue('Round prices to the cent')
    c.model.script(
      { toolCalls: [{ name: 'comment', arguments: { body: 'Working on the rounding.' } }], usage: { prompt: 1000, completion: 50 } },
      { toolCalls: [{ name: 'set_status', arguments: { status: 'done' } }], usage: { prompt: 1100, completion: 10 } },
    )

    const run = await c.gaffer!.heartbeats.runNow(repository(), 'backend-engineer')

    const [summary, ...others] = await listChatTranscripts(c.db.pool, repository(), number)
    expect(others).toEqual([])
    expect(summary).toMatchObject({
      agent: 'backend-engineer',
      model: 'gpt-4.1-mini',
      outcome: 'finished',
      turns: 2,
      toolCalls: 2,
      inputTokens: 2100,
      outputTokens: 60,
    })
    expect(summary!.costUsd).toBeGreaterThan(0)
    expect(run.outcome).toBe('worked')
    expect(summary!.finishedAt).not.toBeNull()
    const { entries } = (await getChatTranscript(c.db.pool, summary!.id))!
    expect(entries.map((entry) => entry.role)).toEqual(['system', 'user', 'assistant', 'tool', 'assistant', 'tool'])
    expect(entries[0]!.content).toContain('You are Backend Engineer')
    expect(entries[1]!.content).toContain('Please fix.')
    expect(entries[2]).toMatchObject({
      toolCalls: [{ name: 'comment', arguments: '{"body":"Working on the rounding."}' }],
      tokens: { prompt: 1000, completion: 50 },
    })
    expect(entries[3]!.toolCallId).toBe(entries[2]!.toolCalls![0]!.id)
    expect(entries[5]!.content).toMatch(/done/)
  })

  it('serves the item page: the run, the status moves from the audit log and the comments on GitHub', async () => {
    const number = await openIssue('Serve the item page')
    c.model.script(
      { toolCalls: [{ name: 'comment', arguments: { body: 'Progress: halfway.' } }] },
      { toolCalls: [{ name: 'set_status', arguments: { status: 'done' } }] },
    )
    await c.gaffer!.heartbeats.runNow(repository(), 'backend-engineer')

    const page = (await (await fetch(`${c.gaffer!.url}/gaffer/api/items/${repository()}/${number}`)).json()) as {
      item: { title: string; status: string }
      timeline: Array<{ action: string; outcome: string; detail: { from?: string } }>
      comments: Array<{ body: string; bot: boolean }>
      runs: Array<{ kind: string; id: number; toolCalls: number }>
    }

    expect(page.item).toMatchObject({ title: 'Serve the item page', status: 'done' })
    expect(page.timeline.filter((row) => row.action === 'status').map((row) => `${row.detail.from} → ${row.outcome}`)).toEqual([
      'null → todo',
      'todo → in-progress',
      'in-progress → done',
    ])
    expect(page.comments).toEqual([expect.objectContaining({ bot: true, body: expect.stringContaining('Progress: halfway.') })])
    expect(page.runs).toEqual([expect.objectContaining({ kind: 'chat', toolCalls: 2 })])
    const transcript = (await (await fetch(`${c.gaffer!.url}/gaffer/api/transcripts/chat/${page.runs[0]!.id}`)).json()) as {
      entries: TranscriptEntry[]
    }
    expect(transcript.entries.at(-2)).toMatchObject({ role: 'assistant', toolCalls: [{ name: 'set_status' }] })
    expect((await fetch(`${c.gaffer!.url}/gaffer/api/items/${repository()}/99999`)).status).toBe(404)
  })

  it("records a failed model call as the run's outcome", async () => {
    const number = await openIssue('The model will fail')
    c.model.script({ status: 400, error: 'context length exceeded' })

    await c.gaffer!.heartbeats.runNow(repository(), 'backend-engineer')

    const [summary] = await listChatTranscripts(c.db.pool, repository(), number)
    expect(summary!.outcome).toMatch(/^model failed: 400 .*context length exceeded/)
    expect(summary!.turns).toBe(0)
  })

  it('prunes transcripts with the runs, keeping a run still open', async () => {
    await c.db.pool.query("update chat_transcripts set started_at = now() - interval '40 days'")
    await c.db.pool.query('update chat_transcripts set finished_at = null where id = (select min(id) from chat_transcripts)')

    await pruneOldRecords(c.db.pool, defaultRetention)

    expect((await c.db.pool.query('select count(*)::int as n from chat_transcripts')).rows[0].n).toBe(1)
  })
})

describe('a chat transcript stays within its bound', () => {
  const entry = (content: string): TranscriptEntry => ({ role: 'user', content })

  it.each([
    ['fits: nothing dropped', [entry('a'), entry('b')], 1000, ['a', 'b'], 0],
    ['over: the oldest go first', [entry('a'.repeat(400)), entry('b'.repeat(400)), entry('c')], 500, ['b'.repeat(400), 'c'], 1],
    ['one entry over the bound on its own: nothing is left', [entry('a'.repeat(600))], 500, [], 1],
  ])('%s', (_, entries, limit, kept, dropped) => {
    const bounded = boundTranscript(entries, limit)

    expect(bounded.entries.map((e) => e.content)).toEqual(kept)
    expect(bounded.dropped).toBe(dropped)
  })

  it('cuts one long message, saying how much', () => {
    const cut = transcriptEntry({ role: 'tool', tool_call_id: 'call_1', content: 'x'.repeat(ENTRY_LIMIT + 10) })

    expect(cut.content).toHaveLength(ENTRY_LIMIT + '\n[10 more characters cut]'.length)
    expect(cut.content.endsWith('\n[10 more characters cut]')).toBe(true)
    expect(cut.toolCallId).toBe('call_1')
  })
})
