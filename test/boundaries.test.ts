import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '..')
const src = join(root, 'src')

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(path)
    return entry.name.endsWith('.ts') ? [relative(root, path)] : []
  })
}

/** Lines of `file` that match `pattern`, as `file:line`. */
function offending(files: string[], pattern: RegExp): string[] {
  return files.flatMap((file) =>
    readFileSync(join(root, file), 'utf8')
      .split('\n')
      .flatMap((line, index) => (pattern.test(line) ? [`${file}:${index + 1}`] : [])),
  )
}

describe('the architecture boundaries (STYLE.md: SQL in store/, GitHub calls in github/)', () => {
  const files = sourceFiles(src)

  it('runs SQL only from src/store/', () => {
    const outside = files.filter((file) => !file.startsWith('src/store/'))
    expect(offending(outside, /\.query\s*[(<]/)).toEqual([])
  })

  it('calls GitHub only from src/github/', () => {
    const outside = files.filter((file) => !file.startsWith('src/github/'))
    expect(offending(outside, /octokit\w*\s*\.\s*(request|paginate|graphql|rest)\b/i)).toEqual([])
  })

  it("charges an agent's budget in one place, so a run's spend and a judgment's cannot pause or warn differently", () => {
    const outside = files.filter((file) => file !== 'src/store/budgets.ts' && file !== 'src/runtime/charge-spend.ts')
    expect(offending(outside, /\brecordSpend\b/)).toEqual([])
  })

  it('gives each top-level name one home: no two files declare the same function, constant, type or class', () => {
    const homes = new Map<string, Set<string>>()
    for (const file of sourceFiles(src)) {
      for (const [, name] of readFileSync(join(root, file), 'utf8').matchAll(
        /^(?:export )?(?:async )?(?:function|const|type|class) ([A-Za-z0-9_]+)/gm,
      )) {
        homes.set(name!, (homes.get(name!) ?? new Set()).add(file))
      }
    }
    const twice = [...homes].filter(([, files]) => files.size > 1).map(([name, files]) => `${name}: ${[...files].join(', ')}`)
    expect(twice).toEqual([])
  })
})
