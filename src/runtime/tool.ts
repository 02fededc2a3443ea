import type { z } from 'zod'
import type { Fuses } from '../company/fuses.ts'
import type { StatusEvent } from '../company/status-machine.ts'
import type { Octokit } from '../github/octokit.ts'
import type { PermissionOf } from '../github/permissions.ts'
import type { Logger } from '../log.ts'
import type { PullDeps } from '../mirror/pull-requests.ts'
import type { Roster } from '../roster/roster.ts'
import type { Agent } from '../roster/schema.ts'
import type { ToolName } from '../roster/tools.ts'
import type { Pool } from '../store/pool.ts'
import type { WorkItem } from '../store/work-items.ts'

/** A tool call the rules forbid; the model sees the message and may try something else. */
export class ToolRefusal extends Error {
  override name = 'ToolRefusal'
}

export type ToolContext = {
  agent: Agent
  roster: Roster
  repository: string
  /** The item being worked, as it is now. */
  item(): WorkItem
  octokit: Octokit
  pool: Pool
  log: Logger
  runId: number
  fuses: Fuses
  owners: string[]
  permissionOf: PermissionOf
  now(): Date
  setStatus(event: StatusEvent, note?: string): Promise<boolean>
  /** Re-reads the item after a tool changed it directly. */
  refresh(): Promise<void>
  wake?: (repository: string, agent: string) => void
  /** Mirror and gate dependencies for writes that must route or gate a pull request. */
  pulls: PullDeps
  /** What this run did so far, for the loop's decisions. */
  done: { delegated: number[] }
}

export type Tool<Schema extends z.ZodType = z.ZodType> = {
  name: ToolName
  description: string
  parameters: Schema
  run(context: ToolContext, args: z.infer<Schema>): Promise<string>
}

export function defineTool<Schema extends z.ZodType>(tool: Tool<Schema>): Tool<Schema> {
  return tool
}
