/**
 * What a CLI is told besides the §7 system prompt and the item (SPEC §14): it works in a
 * checkout and Gaffer, not the CLI, publishes what it changed. The exit codes are the
 * `command` contract; coding CLIs cannot choose theirs, so for them a blocked run is a
 * report without changes that says what is missing.
 */
/** A report that says the run is blocked, for CLIs whose exit code Gaffer cannot choose. */
export function blockedReason(report: string): string | undefined {
  const match = /^\s*BLOCKED:\s*([\s\S]*)$/i.exec(report)
  return match ? match[1]!.trim() || 'the CLI said it is blocked and gave no reason' : undefined
}

export function cliInstructions(input: { branch: string; adapter: string }): string {
  return [
    '--- How you work on this run ---',
    `You are running as a coding agent in a checkout of the repository (the current directory, based on ${input.branch}).`,
    'The tools named above are not available here: work by editing files in this directory. Do not commit, push or open pull requests; Gaffer commits what you change, pushes it and opens the pull request for review.',
    "Run the project's tests before you finish.",
    'End with a short report: what you changed and why, how you tested it, and anything a reviewer should check.',
    input.adapter === 'command'
      ? 'Write the report to $GAFFER_REPORT_FILE (or as your last output). Exit 0 when finished, 2 when blocked (the report says what you need and from whom), anything else on failure.'
      : 'If you cannot do the work, change nothing and start your report with "BLOCKED:" followed by exactly what you need and from whom.',
  ].join('\n')
}

/** What a reviewer on a CLI runtime is told: the checkout is the pull request's head, and the run ends with a JSON verdict. */
export function cliReviewInstructions(input: { number: number; headRef: string; headSha: string }): string {
  return [
    '--- How you work on this run ---',
    `You are reviewing pull request #${input.number}. The current directory is a checkout of its head: \`${input.headRef}\` at ${input.headSha}.`,
    "The tools named above are not available here. Read the diff below and the code around it, and run the project's tests. Do not change, commit or push anything: what you change is thrown away.",
    'Score the change against your rubric, then end your report with your verdict as one JSON object, the last thing you write:',
    '{"score": <0-100>, "verdict": "approve" | "request_changes", "summary": "<the score per criterion and each finding with its concrete fix>"}',
    'Without a readable verdict no score is recorded and the pull request cannot pass the quality gate. If you cannot review it, start your report with "BLOCKED:" and say exactly what is missing.',
  ].join('\n')
}
