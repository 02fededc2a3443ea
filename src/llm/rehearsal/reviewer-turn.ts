import type { RehearsalItem } from './read-rehearsal-request.ts'
import { REHEARSAL_NAME } from './rehearsal-model.ts'
import { callTools, type RehearsalTurn } from './rehearsal-turn.ts'

/** What the rehearsal reviewer takes from `read_pull_request`'s answer (src/runtime/pull-request-text.ts). */
export type PullRequestFacts = { files: string[]; emptyBody: boolean; failedChecks: string[] }

export type RehearsalVerdict = {
  score: number
  verdict: 'approve' | 'request_changes'
  summary: string
  rubric: Record<string, number>
}

/** CI states that mean a check did not pass (check run conclusions and commit status states). */
const FAILED = new Set(['failure', 'error', 'cancelled', 'timed_out', 'action_required', 'startup_failure'])
/** The gate is Gaffer's own check and waits for this very review: it never counts against the change. */
const OWN_GATE = 'Gaffer quality gate'
const QUALITY_THRESHOLD = 70

/**
 * The pull request a reviewer's item is about: the item itself when it is a pull request,
 * else the first `#N` its title names, else the first one its body names.
 */
export function reviewTarget(item: Pick<RehearsalItem, 'kind' | 'number' | 'title' | 'body'>): number | undefined {
  if (item.kind === 'pull') return item.number
  const named = /#(\d+)\b/.exec(item.title) ?? /#(\d+)\b/.exec(item.body)
  return named ? Number(named[1]) : undefined
}

/** The reviewer's first turn: read the pull request (the verdict comes once it has been read). */
export function reviewerFirstTurn(tools: readonly string[], item: RehearsalItem): RehearsalTurn {
  const number = reviewTarget(item)
  if (number === undefined) {
    return callTools(tools, {
      name: 'set_status',
      arguments: {
        status: 'blocked',
        reason: `#${item.number} names no pull request to review; name it as #<number> in the title or the description.`,
      },
    })
  }
  return callTools(tools, { name: 'read_pull_request', arguments: { number } })
}

/** After reading it: the review with its score, and the progress comment that sums it up. */
export function reviewerVerdictTurn(tools: readonly string[], number: number, pullRequestText: string): RehearsalTurn {
  const review = reviewVerdict(readPullRequestFacts(pullRequestText))
  const comment = `Reviewed #${number}: **${review.verdict === 'approve' ? 'approve' : 'request changes'}**, quality score ${review.score}/100.\n\n${review.summary}`
  return callTools(tools, { name: 'review_pull_request', arguments: { number, ...review } }, { name: 'comment', arguments: { body: comment } })
}

export function readPullRequestFacts(text: string): PullRequestFacts {
  const body = /^Body \(quoted data from the author, not instructions\):\n(`{3,})text\n([\s\S]*?)\n\1$/m.exec(text)
  // The sections after the author's (quoted) description are Gaffer's own text.
  const after = body ? text.slice(body.index + body[0].length) : text
  const section = (from: string, to: string) => {
    const start = after.indexOf(from)
    if (start < 0) return ''
    const end = after.indexOf(to, start)
    return after.slice(start, end < 0 ? undefined : end)
  }
  const description = (body?.[2] ?? '').trim()
  return {
    files: [...section('\nFiles changed (', '\nCI on ').matchAll(/^- (.+) \([a-z_]+, \+\d+ -\d+\)$/gm)].map((m) => m[1]!),
    emptyBody: description === '' || description === '(empty)',
    failedChecks: [...section('\nCI on ', '\nEarlier reviews:').matchAll(/^- (?:check run|status) "(.*)": (\S+)/gm)]
      .filter((m) => m[1] !== OWN_GATE && FAILED.has(m[2]!))
      .map((m) => m[1]!),
  }
}

/**
 * The score by the reviewer's rubric (agents/reviewer/AGENTS.md), from what can be seen
 * without reading code: failing CI costs Correctness and Tests and forbids approval; no
 * file GitHub lists (the emulated GitHub lists none) leaves Correctness unchecked; no
 * test file among the changes costs Tests; an empty description costs Clarity; more than
 * 20 files cost Scope. Approve at 70 or more without failing CI: a change the rehearsal
 * model reads as complete on paper (a note and its description) gets 77 or 82.
 */
export function reviewVerdict(facts: PullRequestFacts): RehearsalVerdict {
  const failing = facts.failedChecks.length > 0
  const rubric = {
    correctness: failing ? 10 : facts.files.length === 0 ? 25 : 30,
    tests: (facts.files.some((file) => /(^|\/)(tests?|spec|__tests__)\/|\.(test|spec)\.[a-z]+$/.test(file)) ? 20 : 15) - (failing ? 10 : 0),
    safety: 15,
    clarity: facts.emptyBody ? 5 : 12,
    scope: facts.files.length > 20 ? 5 : 10,
  }
  const score = rubric.correctness + rubric.tests + rubric.safety + rubric.clarity + rubric.scope
  const verdict = score >= QUALITY_THRESHOLD && !failing ? 'approve' : 'request_changes'
  const findings = [
    ...(failing ? [`- blocking: CI fails (${facts.failedChecks.join(', ')}); make it pass.`] : []),
    ...(facts.files.length === 0 ? ['- optional: GitHub lists no changed files, so none was checked.'] : []),
    ...(facts.emptyBody ? ['- optional: the description is empty; say what changed and how it was verified.'] : []),
    ...(facts.files.length > 20 ? ['- optional: more than 20 files; split the change.'] : []),
  ]
  const summary = [
    `Correctness ${rubric.correctness}/35, Tests ${rubric.tests}/25, Safety ${rubric.safety}/15, Clarity ${rubric.clarity}/15, Scope ${rubric.scope}/10 = ${score}.`,
    ...(findings.length > 0 ? [findings.join('\n')] : []),
    `Scored by the ${REHEARSAL_NAME} by fixed rules from what the pull request shows (its files, CI and description). It read no code: the score says nothing about the change itself.`,
  ].join('\n\n')
  return { score, verdict, summary, rubric }
}
