import { z } from 'zod'
import type { Fuses } from '../company/fuses.ts'
import type { NotificationEvent } from './notify-channels.ts'

/** Where a repository's settings live on its default branch (and, for org defaults, in the org's `.github` repository). */
export const SETTINGS_PATH = '.github/gaffer.yml'

/** The events a repository may choose to be notified of (SPEC §15). */
export const notifyEvents = ['needs-human', 'needs-approval', 'budget-paused'] as const satisfies readonly NotificationEvent[]
export type NotifyEvent = (typeof notifyEvents)[number]

const login = z
  .string({ error: 'must be a GitHub login, e.g. maya' })
  .regex(/^[A-Za-z0-9-]+$/, 'must be a GitHub login (letters, digits and "-"), e.g. maya')
const logins = (example: string) => z.array(login, { error: `must be a list of GitHub logins, e.g. ${example}` })
const atLeastOne = (example: string) => z.int({ error: `must be a whole number, e.g. ${example}` }).min(1, `must be at least 1, e.g. ${example}`)

/**
 * Which of the operator's channels (GAFFER_NOTIFY names them; their secrets never live in a
 * repository) and which events this repository wants. Absent keys mean all of them.
 */
export const NotificationSettings = z.strictObject({
  channels: z
    .array(z.string().trim().min(1), { error: 'must be a list of channel names from GAFFER_NOTIFY, e.g. channels: [team-slack]' })
    .optional(),
  events: z.array(z.enum(notifyEvents, { error: `must be one of ${notifyEvents.join(', ')}` })).optional(),
})
export type NotificationSettings = z.infer<typeof NotificationSettings>

/**
 * One `.github/gaffer.yml` (the repository's, or an org default it extends). Every key is
 * optional: what a file leaves out comes from the file it extends, then the environment.
 * Unknown keys are errors, so a misspelt key is reported instead of silently ignored.
 */
export const SettingsFile = z.strictObject({
  /** Read by the config loader (`repo`, `owner/repo` or `owner/repo:path.yml`); never reaches the merge. */
  _extends: z.string({ error: 'must name the repository whose settings this file extends, e.g. _extends: .github' }).optional(),
  owners: logins('owners: [maya, omar]').optional(),
  approvers: logins('approvers: [carol]').optional(),
  qualityThreshold: z.int({ error: 'must be a whole number from 0 to 100, e.g. qualityThreshold: 80' }).min(0).max(100).optional(),
  requiredApprovals: z.int({ error: 'must be a whole number from 0 to 10, e.g. requiredApprovals: 2' }).min(0).max(10).optional(),
  fuses: z
    .strictObject({
      maxDepth: atLeastOne('maxDepth: 4'),
      maxChildrenPerItem: atLeastOne('maxChildrenPerItem: 8'),
      maxIssuesPerAgentPerHour: atLeastOne('maxIssuesPerAgentPerHour: 10'),
      maxOpenAgentIssues: atLeastOne('maxOpenAgentIssues: 100'),
      maxToolCallsPerTurn: atLeastOne('maxToolCallsPerTurn: 8'),
    })
    .partial()
    .optional(),
  escalationTimeout: z.int({ error: "must be a whole number of the manager's heartbeats, e.g. escalationTimeout: 3" }).min(1).max(100).optional(),
  commentAccess: z.enum(['writers', 'everyone'], { error: 'must be writers or everyone' }).optional(),
  notifications: NotificationSettings.optional(),
})
export type SettingsFile = z.infer<typeof SettingsFile>

/** A repository's settings, every value decided: its file, the org default it extends, then the environment. */
export type RepositorySettings = {
  owners: string[]
  /** People besides writers and owners who may /approve. */
  approvers: string[]
  qualityThreshold: number
  requiredApprovals: number
  fuses: Fuses
  /** The manager's heartbeats an escalation waits before it moves up; an agent's own `escalationTimeout` wins. */
  escalationTimeout: number
  commentAccess: 'writers' | 'everyone'
  notifications: NotificationSettings
}

/** Answers a repository's settings now (the last valid ones, or the environment's). */
export type SettingsLookup = { get(repository: string): RepositorySettings }

/** Who may /approve in a repository besides writers: its owners and its listed approvers. */
export function isApprover(settings: Pick<RepositorySettings, 'owners' | 'approvers'>, login: string): boolean {
  return settings.owners.includes(login) || settings.approvers.includes(login)
}
