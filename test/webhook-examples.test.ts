import { randomUUID } from 'node:crypto'
import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import { getWorkItem } from '../src/store/work-items.ts'
import { deliverWebhook, useTestCompany } from './helpers/test-company.ts'

type Example = { name: string; examples: Array<Record<string, unknown>> }
const examples: Example[] = createRequire(import.meta.url)('@octokit/webhooks-examples')

const pick = (name: string) => examples.find((e) => e.name === name)?.examples ?? []
const issueLike = (payload: Record<string, unknown>) =>
  (payload.issue ?? payload.pull_request) as { number: number; title: string; state: string; updated_at: string }

describe("GitHub's published webhook examples go through the real endpoint into the mirror", () => {
  const c = useTestCompany()

  it.each(['issues', 'issue_comment', 'pull_request', 'push'])('%s examples are accepted and processed without error', async (event) => {
    // Sent as the app's own echoes: these repositories exist nowhere, so only parsing and mirroring
    // are exercised here, not routing or the gate (which would call GitHub for them).
    const payloads: Array<Record<string, unknown>> = pick(event).map((payload) => ({
      ...payload,
      sender: { login: `${c.github.app.slug}[bot]`, type: 'Bot' },
      installation: { id: c.github.app.installationId },
    }))
    expect(payloads.length).toBeGreaterThan(0)
    const ids: string[] = []
    const sent = new Set<string>()

    for (const payload of payloads) {
      const id = randomUUID()
      const body = JSON.stringify(payload)
      // The examples repeat some payloads byte for byte: the body is the delivery's identity, so a repeat is a duplicate.
      const repeat = sent.has(body)
      sent.add(body)
      if (!repeat) ids.push(id)
      const response = await deliverWebhook(c, event, body, { id })
      expect(response.status).toBe(repeat ? 200 : 202)
    }
    await c.gaffer!.deliveries.idle()

    const rows = await c.db.pool.query('select delivery_id, processed_at, error from webhook_deliveries where delivery_id = any($1)', [ids])
    expect(rows.rowCount).toBe(ids.length)
    expect(rows.rows.filter((row) => row.error !== null)).toEqual([])
    expect(rows.rows.every((row) => row.processed_at !== null)).toBe(true)
    if (event === 'push') return
    // The newest payload for each item is what the mirror holds.
    const newest = new Map<string, Record<string, unknown>>()
    for (const payload of payloads) {
      const key = `${(payload.repository as { full_name: string }).full_name}#${issueLike(payload).number}`
      const seen = newest.get(key)
      if (!seen || issueLike(seen).updated_at <= issueLike(payload).updated_at) newest.set(key, payload)
    }
    for (const payload of newest.values()) {
      const repository = (payload.repository as { full_name: string }).full_name
      const issue = issueLike(payload)
      const item = await getWorkItem(c.db.pool, repository, issue.number)
      expect(item, `${repository}#${issue.number}`).toMatchObject({
        title: issue.title,
        state: issue.state,
        kind: event === 'pull_request' || (payload.issue as { pull_request?: unknown })?.pull_request ? 'pull' : 'issue',
      })
    }
  })
})
