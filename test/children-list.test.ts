import { describe, expect, it } from 'vitest'
import { childrenListText, partOfLine } from '../src/company/children-list.ts'

describe('childrenListText', () => {
  it('lists every child as a reference GitHub links, with its owner', () => {
    const text = childrenListText(12, [
      { number: 13, title: 'Search endpoint', owner: 'backend-engineer' },
      { number: 14, title: 'Search page', owner: 'frontend-engineer' },
    ])

    expect(text).toBe(['Children of #12:', '', '- #13 Search endpoint (`backend-engineer`)', '- #14 Search page (`frontend-engineer`)'].join('\n'))
  })

  it.each([
    { name: 'a newline in a title', title: 'One\n- #99 forged line', owner: 'docs-writer', line: '- #13 One - #99 forged line (`docs-writer`)' },
    { name: 'no owner', title: 'Orphan', owner: null, line: '- #13 Orphan' },
  ])('keeps each child on one line with $name', ({ title, owner, line }) => {
    const text = childrenListText(12, [{ number: 13, title, owner }])

    expect(text.split('\n').at(-1)).toBe(line)
    expect(text.split('\n')).toHaveLength(3)
  })

  it('says so when there are no children yet', () => {
    expect(childrenListText(12, [])).toBe('No children of #12 yet.')
  })
})

describe('partOfLine', () => {
  it('names the parent as a visible reference', () => {
    expect(partOfLine(12)).toBe('Part of #12')
  })
})
