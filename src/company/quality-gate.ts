/** The name of the check run on every pull request's head commit (SPEC §9). */
export const GATE_NAME = 'Gaffer quality gate'

export const DEFAULT_QUALITY_THRESHOLD = 70
export const DEFAULT_REQUIRED_APPROVALS = 1

export type GateInput = {
  /** The reviewer agent's latest score of this head commit, if any. */
  review: { agent: string; score: number; verdict: 'approve' | 'request_changes' } | undefined
  threshold: number
  humanApprovals: string[]
  requiredApprovals: number
  held: boolean
}

export type GateDecision = { conclusion: 'success' | 'failure' | 'pending'; title: string; summary: string }

/**
 * The gate is green only when a reviewer agent approved this head commit with a score
 * at or above the threshold, enough humans approved it, and nothing holds it. It fails
 * closed: anything missing or unknown leaves it not green. A reviewer's rejection of
 * this commit fails it; anything else still possible leaves it pending.
 */
export function decideGate(input: GateInput): GateDecision {
  const missing: string[] = []
  const { review } = input
  if (review === undefined) missing.push('a reviewer agent has not scored this commit yet')
  else if (review.verdict !== 'approve') missing.push(`${review.agent} requested changes (score ${review.score})`)
  else if (review.score < input.threshold) missing.push(`${review.agent} scored ${review.score}, below the threshold of ${input.threshold}`)
  const approvals = input.humanApprovals.length
  if (approvals < input.requiredApprovals) {
    missing.push(
      `${input.requiredApprovals - approvals} more human approval${input.requiredApprovals - approvals === 1 ? '' : 's'} needed (a review APPROVED or /approve from a writer who is not the author)`,
    )
  }
  if (input.held) missing.push('held with do-not-merge/hold')
  const lines = [
    `- Reviewer score: ${review ? `${review.score}/100 from ${review.agent} (${review.verdict === 'approve' ? 'approve' : 'request changes'})` : 'none yet'}; threshold ${input.threshold}`,
    `- Human approvals: ${approvals}/${input.requiredApprovals}${approvals > 0 ? ` (${input.humanApprovals.join(', ')})` : ''}`,
    `- Hold: ${input.held ? 'yes' : 'no'}`,
  ]
  if (missing.length === 0) return { conclusion: 'success', title: 'Ready to merge', summary: lines.join('\n') }
  const rejected = review !== undefined && (review.verdict !== 'approve' || review.score < input.threshold)
  return {
    conclusion: rejected ? 'failure' : 'pending',
    title: rejected ? 'Changes needed' : 'Waiting',
    summary: `Not green yet:\n${missing.map((m) => `- ${m}`).join('\n')}\n\n${lines.join('\n')}`,
  }
}
