import { existsSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

const DOC = 'docs/spec-coverage.md'

type Citation = { file: string; name: string | undefined }
type Row = { section: string; line: number; cell: string; citations: Citation[]; stray: string[] }

/**
 * The rows of the coverage tables: `| § | rule | proved by |`. Only the last cell is
 * read, because the rule cell may quote the spec's own words.
 */
function coverageRows(markdown: string): Row[] {
  return markdown.split('\n').flatMap((text, index) => {
    const cells = text.split(' | ')
    const section = /^\| (\d+(?:\.\d+)?)$/.exec(cells[0] ?? '')?.[1]
    if (!section || cells.length < 3) return []
    const cell = cells.at(-1)!.replace(/ \|$/, '')
    const citations: Citation[] = []
    const stray: string[] = []
    for (const [, file, name] of cell.matchAll(/`(test\/[\w.-]+\.test\.ts)`|"([^"]+)"/g)) {
      const current = citations.at(-1)?.file
      if (file) citations.push({ file, name: undefined })
      else if (current) citations.push({ file: current, name })
      else stray.push(name!)
    }
    return [{ section, line: index + 1, cell, citations, stray }]
  })
}

/** Whether `name` is a whole string literal in the test file, as a test name is written. */
function namesATest(source: string, name: string): boolean {
  const unescaped = source.replace(/\\(['"`])/g, '$1')
  return ["'", '"', '`'].some((quote) => unescaped.includes(`${quote}${name}${quote}`))
}

describe(`${DOC}, the SPEC → tests map`, () => {
  const rows = coverageRows(readFileSync(DOC, 'utf8'))

  it('has a row for every section of the specification, §1 to §17', () => {
    const sections = new Set(rows.map((row) => row.section.split('.')[0]))

    expect([...Array(17).keys()].map((i) => String(i + 1)).filter((n) => !sections.has(n))).toEqual([])
  })

  it('names only test files that exist', () => {
    const missing = rows.flatMap((row) =>
      row.citations.filter((c) => c.name === undefined && !existsSync(c.file)).map((c) => `line ${row.line}: ${c.file}`),
    )

    expect(missing).toEqual([])
  })

  it('quotes only names that are tests of the file they follow', () => {
    const wrong = rows.flatMap((row) =>
      row.citations
        .filter((c) => c.name !== undefined && existsSync(c.file) && !namesATest(readFileSync(c.file, 'utf8'), c.name))
        .map((c) => `line ${row.line}: ${c.file} has no test named "${c.name}"`),
    )
    const stray = rows.flatMap((row) => row.stray.map((name) => `line ${row.line}: "${name}" follows no test file`))

    expect([...wrong, ...stray]).toEqual([])
  })

  it('says "no test yet" where a row names no test', () => {
    const silent = rows
      .filter((row) => row.citations.length === 0 && !/no test yet|definitions only/.test(row.cell))
      .map((row) => `line ${row.line}: §${row.section}`)

    expect(silent).toEqual([])
  })
})
