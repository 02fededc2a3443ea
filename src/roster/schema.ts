import cron from 'node-cron'
import { z } from 'zod'

export const roles = ['ceo', 'vp', 'specialist', 'reviewer'] as const
export type Role = (typeof roles)[number]

export const slugPattern = /^[a-z0-9-]+$/

function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value })
    return true
  } catch {
    return false
  }
}

/** The YAML front matter of an AGENTS.md file (SPEC §3). Unknown keys are errors. */
export const AgentFrontMatter = z.strictObject({
  name: z.string().trim().min(1, 'must be a non-empty display name, e.g. name: VP of Engineering'),
  role: z.enum(roles, { error: `must be one of ${roles.join(', ')}` }),
  reportsTo: z.string().regex(slugPattern, 'must be the slug (folder name) of another agent, e.g. reportsTo: ceo').optional(),
  heartbeat: z
    .string({ error: 'is required: a 5-field cron expression, e.g. heartbeat: "*/30 * * * *"' })
    .refine((value) => value.trim().split(/\s+/).length === 5 && cron.validate(value), {
      message: 'must be a valid 5-field cron expression (minute hour day month weekday), e.g. "*/30 * * * *"',
    }),
  timezone: z.string().refine(isTimeZone, { message: 'must be an IANA time zone such as UTC or Europe/Paris' }).optional(),
  model: z.string().trim().min(1).optional(),
  handles: z.array(z.string().trim().min(1), { error: 'must be a list of labels, e.g. handles: ["area:backend"]' }).default([]),
  tools: z.array(z.string(), { error: 'must be a list of tool names, e.g. tools: [comment, set_status]' }).default([]),
  maxConcurrent: z.int().min(1).max(20).default(1),
  maxTurns: z.int().min(1).max(50).default(8),
  /**
   * A report's escalation this agent leaves unhandled for this many of its heartbeats moves
   * up by itself; absent, the repository's `escalationTimeout` setting (default 2) applies.
   */
  escalationTimeout: z.int().min(1).max(100).optional(),
  /**
   * How the agent works an item: `chat` (the model loop) or the name of a CLI runtime
   * the operator defined in GAFFER_RUNTIMES; a repository can only name one, never define it.
   */
  runtime: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]*$/, 'must be chat or the name of a runtime defined in GAFFER_RUNTIMES, e.g. runtime: codex')
    .default('chat'),
  budget: z
    .strictObject({
      monthlyUsd: z.number().positive().optional(),
      runTokens: z.int().positive().optional(),
    })
    .default({}),
})

export type AgentFrontMatter = z.infer<typeof AgentFrontMatter>

export type Agent = AgentFrontMatter & {
  slug: string
  /** The AGENTS.md body: the agent's instructions, given to the model verbatim. */
  instructions: string
  /** Where the definition came from, for error messages. */
  file: string
}
