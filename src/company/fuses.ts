/** Limits on what agents may create (SPEC §7); going past one turns the action into an approval request. */
export type Fuses = {
  maxDepth: number
  maxChildrenPerItem: number
  maxIssuesPerAgentPerHour: number
  maxOpenAgentIssues: number
  maxToolCallsPerTurn: number
}

export const defaultFuses: Fuses = {
  maxDepth: 5,
  maxChildrenPerItem: 10,
  maxIssuesPerAgentPerHour: 20,
  maxOpenAgentIssues: 200,
  maxToolCallsPerTurn: 10,
}

export type DelegationCounts = { childDepth: number; children: number; createdLastHour: number; openAgentIssues: number }

/** Which fuse one more child issue would blow, in words; undefined when it may go ahead. */
export function blownDelegationFuse(counts: DelegationCounts, fuses: Fuses): string | undefined {
  if (counts.childDepth > fuses.maxDepth) return `delegation depth would be ${counts.childDepth}, over the limit of ${fuses.maxDepth}`
  if (counts.children >= fuses.maxChildrenPerItem) {
    return `this item already has ${counts.children} child items; the limit is ${fuses.maxChildrenPerItem}`
  }
  if (counts.createdLastHour >= fuses.maxIssuesPerAgentPerHour) {
    return `this agent created ${counts.createdLastHour} issues in the last hour; the limit is ${fuses.maxIssuesPerAgentPerHour}`
  }
  if (counts.openAgentIssues >= fuses.maxOpenAgentIssues) {
    return `${counts.openAgentIssues} agent-created issues are open; the company's limit is ${fuses.maxOpenAgentIssues}`
  }
  return undefined
}
