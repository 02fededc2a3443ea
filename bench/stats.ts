/** Nearest-rank percentile (p in (0, 100]) of values already sorted ascending; NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(Math.max(rank, 1), sorted.length) - 1] as number
}

/** Sorts a copy ascending (numerically, not as strings). */
export function sortedCopy(values: readonly number[]): number[] {
  return Array.from(Float64Array.from(values).sort())
}

/** Renders rows as a plain-text table with a header rule; numbers are right-aligned. */
export function formatTable(headers: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = rows.map((row) => row.map((cell) => String(cell)))
  const widths = headers.map((header, i) => Math.max(header.length, ...cells.map((row) => (row[i] ?? '').length)))
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((row) => typeof row[i] === 'number' || /^[\d.,]+$/.test(String(row[i]))))
  const line = (row: readonly string[]) =>
    row.map((cell, i) => (numeric[i] ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0))).join(' | ')
  return [line(headers), widths.map((width) => '-'.repeat(width)).join('-|-'), ...cells.map(line)].join('\n')
}

/** One line of the benchmark table: what is measured, Gaffer's figure, the baseline's, and what they mean. */
export type Row = { measure: string; gaffer: string; baseline: string; note: string }

/** A titled group of rows in the one table. */
export type Section = { name: string; rows: readonly Row[] }

/**
 * Renders every section as one table (benchmark, measure, gaffer, baseline), with each
 * row's note as a numbered footnote under it so the table stays narrow.
 */
export function formatSections(sections: readonly Section[]): string {
  const notes: string[] = []
  const cells = sections.flatMap((section) =>
    section.rows.map((row, i) => {
      const ref = row.note ? `[${notes.push(row.note)}]` : ''
      return [i === 0 ? section.name : '', row.measure, row.gaffer, row.baseline, ref]
    }),
  )
  const table = formatTable(['benchmark', 'measure', 'gaffer', 'baseline', 'note'], cells)
  return [table, '', ...notes.map((note, i) => `[${i + 1}] ${note}`)].join('\n')
}
