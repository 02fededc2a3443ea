import { DEFAULT_QUALITY_THRESHOLD, DEFAULT_REQUIRED_APPROVALS } from '../company/quality-gate.ts'
import { defaultFuses, type Fuses } from '../company/fuses.ts'
import type { RepositorySettings } from './repository-settings.ts'

/** A manager's heartbeats before an escalation it left unhandled moves up (SPEC §6). */
export const DEFAULT_ESCALATION_TIMEOUT = 2

/**
 * The settings of a repository without `.github/gaffer.yml` (and what a file leaves out):
 * the operator's environment (GAFFER_OWNERS, GAFFER_APPROVERS, GAFFER_FUSES,
 * GAFFER_COMMENT_ACCESS), else the defaults of the specification.
 */
export function fallbackSettings(from: {
  owners?: string[] | undefined
  approvers?: string[] | undefined
  fuses?: Fuses | undefined
  commentAccess?: 'writers' | 'everyone' | undefined
}): RepositorySettings {
  return {
    owners: from.owners ?? [],
    approvers: from.approvers ?? [],
    qualityThreshold: DEFAULT_QUALITY_THRESHOLD,
    requiredApprovals: DEFAULT_REQUIRED_APPROVALS,
    fuses: from.fuses ?? defaultFuses,
    escalationTimeout: DEFAULT_ESCALATION_TIMEOUT,
    commentAccess: from.commentAccess ?? 'writers',
    notifications: {},
  }
}
