import { describe, expect, it } from 'vitest'
import { parseReviewVerdict } from '../src/runtime/cli/review-verdict.ts'

describe('parseReviewVerdict', () => {
  it.each([
    ['a bare object', '{"score": 85, "verdict": "approve", "summary": "Good."}', { score: 85, verdict: 'approve', summary: 'Good.' }],
    [
      'the last of several, after prose and in a fence',
      'Ran npm test: 12 passed. {"note": 1}\n```json\n{"score": 40, "verdict": "request_changes", "summary": "Fix {this}.", "rubric": {"tests": 5}}\n```',
      { score: 40, verdict: 'request_changes', summary: 'Fix {this}.', rubric: { tests: 5 } },
    ],
  ])('reads %s', (_, report, verdict) => {
    expect(parseReviewVerdict(report)).toEqual({ verdict })
  })

  it.each([
    ['no JSON', 'Looks fine to me.', 'ends without a JSON verdict'],
    ['a broken object', 'verdict: {"score": 85, "verdict": "approve"', 'ends without a JSON verdict'],
    ['a score out of range', '{"score": 101, "verdict": "approve", "summary": "x"}', 'score'],
    ['an unknown verdict', '{"score": 90, "verdict": "lgtm", "summary": "x"}', 'verdict'],
    ['an empty summary', '{"score": 90, "verdict": "approve", "summary": ""}', 'summary'],
    ['a valid verdict followed by another object', '{"score": 90, "verdict": "approve", "summary": "x"} then {"done": true}', 'invalid'],
  ])('refuses %s', (_, report, phrase) => {
    const result = parseReviewVerdict(report)
    expect('error' in result && result.error).toContain(phrase)
  })
})
