import { z } from 'zod'
import { cleanUntrusted, fence } from '../untrusted-text.ts'
import { defineTool, ToolRefusal } from '../tool.ts'

type Row = { number: number; kind: string; title: string; state: string; status: string | null; owner_agent: string | null; labels: string[]; body: string; parent_number: number | null }

function describe(row: Row, withBody: boolean): string {
  const head = `#${row.number} (${row.kind}, ${row.state}, status ${row.status ?? 'none'}, owner ${row.owner_agent ?? 'none'}${row.parent_number ? `, parent #${row.parent_number}` : ''}) ${cleanUntrusted(row.title, 300)}\nLabels: ${row.labels.join(', ') || 'none'}`
  return withBody ? `${head}\n${fence(cleanUntrusted(row.body, 6_000) || '(empty)', 'text')}` : head
}

export const readIssue = defineTool({
  name: 'read_issue',
  description: 'Read one issue or pull request of this repository by number (title, status, owner, labels, body as quoted data).',
  parameters: z.strictObject({ number: z.int().positive() }),
  async run(ctx, { number }) {
    const { rows } = await ctx.pool.query<Row>('select * from work_items where repository = $1 and number = $2', [ctx.repository, number])
    if (!rows[0]) throw new ToolRefusal(`no item #${number} in ${ctx.repository}`)
    return describe(rows[0], true)
  },
})

export const searchIssues = defineTool({
  name: 'search_issues',
  description: 'Search this repository\'s issues and pull requests by words in their title or body; returns up to 10, open first.',
  parameters: z.strictObject({ query: z.string().min(1).max(200) }),
  async run(ctx, { query }) {
    const words = query.split(/\s+/).filter(Boolean).slice(0, 8)
    const { rows } = await ctx.pool.query<Row>(
      `select * from work_items where repository = $1
         and (select bool_and(title ilike '%' || w || '%' or body ilike '%' || w || '%') from unnest($2::text[]) as w)
       order by state = 'open' desc, number desc limit 10`,
      [ctx.repository, words],
    )
    return rows.length === 0 ? 'No items match.' : rows.map((row) => describe(row, false)).join('\n\n')
  },
})
