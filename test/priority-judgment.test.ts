import { describe, expect, it } from 'vitest'
import { adjustmentOf, parseJudgment } from '../src/company/priority-judgment.ts'

const answer = (value: unknown) => ({ toolArguments: JSON.stringify(value), content: null })

describe('parseJudgment', () => {
  it.each([
    { name: 'tool arguments', input: answer({ urgency: 'high', impact: 'low', unblocks: '', reason: 'soon' }), urgency: 'high' },
    {
      name: 'JSON in the text',
      input: { toolArguments: undefined, content: '{"urgency":"low","impact":"low","reason":"cosmetic"}' },
      urgency: 'low',
    },
    {
      name: 'JSON in a fence',
      input: { toolArguments: undefined, content: '```json\n{"urgency":"critical","impact":"high","reason":"outage"}\n```' },
      urgency: 'critical',
    },
  ])('reads $name', ({ input, urgency }) => {
    const parsed = parseJudgment(input)

    expect(parsed.ok && parsed.judgment.urgency).toBe(urgency)
  })

  it.each([
    { name: 'prose', input: { toolArguments: undefined, content: 'It is urgent.' }, problem: 'the answer is not JSON: "It is urgent."' },
    { name: 'no answer at all', input: { toolArguments: undefined, content: null }, problem: 'the answer is not JSON: ""' },
    { name: 'an unknown level', input: answer({ urgency: 'extreme', impact: 'low', reason: 'x' }), problem: 'urgency: Invalid option' },
    {
      name: 'points instead of levels',
      input: answer({ urgency: 'high', impact: 'low', reason: 'x', adjustment: 300 }),
      problem: 'Unrecognized key: "adjustment"',
    },
    {
      name: 'an empty reason',
      input: answer({ urgency: 'high', impact: 'low', reason: '  ' }),
      problem: 'reason: reason must say why in a few words',
    },
  ])('refuses $name, naming the problem', ({ input, problem }) => {
    const parsed = parseJudgment(input)

    expect(parsed.ok).toBe(false)
    expect(!parsed.ok && parsed.problem).toContain(problem)
  })
})

describe('adjustmentOf', () => {
  it.each([
    { urgency: 'critical', impact: 'critical', adjustment: 300 },
    { urgency: 'high', impact: 'normal', adjustment: 100 },
    { urgency: 'normal', impact: 'normal', adjustment: 0 },
    { urgency: 'low', impact: 'normal', adjustment: -150 },
    { urgency: 'low', impact: 'low', adjustment: -300 },
  ] as const)('urgency $urgency and impact $impact move the score $adjustment', ({ urgency, impact, adjustment }) => {
    expect(adjustmentOf({ urgency, impact, unblocks: '', reason: 'r' }).adjustment).toBe(adjustment)
  })

  it('writes one line whatever the model put in its text', () => {
    const { why } = adjustmentOf({ urgency: 'high', impact: 'low', unblocks: 'the\nrelease', reason: 'line one\r\nline two\u2028three' })

    expect(why).toBe('urgency high, impact low, unblocks the release: line one line two three')
  })
})
