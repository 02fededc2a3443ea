import { describe, expect, it } from 'vitest'
import {
  combinedReply,
  nothingToApproveLine,
  refusalLine,
  tooManyCommandsLine,
  unknownAgentNote,
  unknownCommandsLine,
} from '../src/company/replies.ts'

describe('replies', () => {
  it('names one unknown command and lists the commands', () => {
    expect(combinedReply('maya', [unknownCommandsLine(['frobnicate'])])).toBe(
      '@maya unknown command /frobnicate; the commands are /approve, /reject, /unblock, /assign, /priority, /hold, /unhold, /pause, /resume, /status. Nothing was changed.',
    )
  })

  it('names several unknown commands in one reply', () => {
    expect(combinedReply('maya', [unknownCommandsLine(['unblok', 'deploy'])])).toMatch(
      /^@maya unknown commands \/unblok, \/deploy; the commands are \/approve, /,
    )
  })

  it.each([
    ['review', '@maya nothing here waits for an approval; #12 is in review; approvals go to its pull request. Nothing was changed.'],
    ['todo', '@maya nothing here waits for an approval; #12 is waiting for its owner to pick it up. Nothing was changed.'],
    ['blocked', '@maya nothing here waits for an approval; #12 is blocked; `/unblock [note]` answers it. Nothing was changed.'],
    [null, '@maya nothing here waits for an approval; #12 has no status. Nothing was changed.'],
  ] as const)('/approve on an item in %s says what it is doing', (status, text) => {
    expect(combinedReply('maya', [nothingToApproveLine({ number: 12, status })])).toBe(text)
  })

  it('lists the agents for an unknown agent label', () => {
    expect(unknownAgentNote('nobody', ['ceo', 'docs-writer'])).toBe(
      "There is no agent `nobody` in this repository's roster, so nobody will work on this item. Label it with one of `agent:ceo`, `agent:docs-writer` (or comment `/assign <slug>`).",
    )
  })

  it('puts everything said about one comment in one reply', () => {
    expect(combinedReply('oscar', [tooManyCommandsLine(50, 10), refusalLine('approve', 'needs write access')])).toBe(
      '@oscar\n\nthis comment has 50 commands; only the first 10 were read and the other 40 were ignored. Put them in another comment.\n\n`/approve` refused: needs write access. Nothing was changed.',
    )
  })

  it('says a single answer as one sentence', () => {
    expect(combinedReply('oscar', [refusalLine('hold', 'needs triage access')])).toBe(
      '@oscar `/hold` refused: needs triage access. Nothing was changed.',
    )
  })
})
