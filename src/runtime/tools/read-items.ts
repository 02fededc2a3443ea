import { z } from 'zod'
import { getWorkItem, searchWorkItems, type WorkItem } from '../../store/work-items.ts'
import { cleanUntrusted, fence } from '../untrusted-text.ts'
import { defineTool, ToolRefusal } from '../tool.ts'

function describeItem(row: WorkItem, withBody: boolean): string {
  const head = `#${row.number} (${row.kind}, ${row.state}, status ${row.status ?? 'none'}, owner ${row.owner_agent ?? 'none'}${row.parent_number ? `, parent #${row.parent_number}` : ''}) ${cleanUntrusted(row.title, 300)}\nLabels: ${row.labels.join(', ') || 'none'}`
  return withBody ? `${head}\n${fence(cleanUntrusted(row.body, 6_000) || '(empty)', 'text')}` : head
}

export const readIssue = defineTool({
  name: 'read_issue',
  description: 'Read one issue or pull request of this repository by number (title, status, owner, labels, body as quoted data).',
  parameters: z.strictObject({ number: z.int().positive() }),
  async run(ctx, { number }) {
    const item = await getWorkItem(ctx.pool, ctx.repository, number)
    if (!item) throw new ToolRefusal(`no item #${number} in ${ctx.repository}`)
    return describeItem(item, true)
  },
})

export const searchIssues = defineTool({
  name: 'search_issues',
  description: "Search this repository's issues and pull requests by words in their title or body; returns up to 10, open first.",
  parameters: z.strictObject({ query: z.string().min(1).max(200) }),
  async run(ctx, { query }) {
    const words = query.split(/\s+/).filter(Boolean).slice(0, 8)
    const rows = await searchWorkItems(ctx.pool, ctx.repository, words, 10)
    return rows.length === 0 ? 'No items match.' : rows.map((row) => describeItem(row, false)).join('\n\n')
  },
})
