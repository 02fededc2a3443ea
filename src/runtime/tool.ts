import type { z } from 'zod'
import type { Fuses } from '../company/fuses.ts'
import type { SettingsLookup } from '../config/repository-settings.ts'
import type { StatusEvent } from '../company/status-machine.ts'
import type { Octokit } from '../github/octokit.ts'
import type { ItemHandle } from '../heartbeat/item-handle.ts'
import type { PermissionOf } from '../github/permissions.ts'
import type { Logger } from '../log.ts'
import type { Metrics } from '../metrics/metrics.ts'
import type { PullDeps } from '../mirror/pull-requests.ts'
import type { Roster } from '../roster/roster.ts'
import type { Agent } from '../roster/schema.ts'
import type { ToolName } from '../roster/tools.ts'
import type { Pool } from '../store/pool.ts'
import type { WorkItem } from '../store/work-items.ts'
import type { CommentCache } from '../github/comment-cache.ts'
import { createRunComments } from '../mirror/run-comments.ts'

/** A tool call the rules forbid; the model sees the message and may try something else. */
export class ToolRefusal extends Error {
  override name = 'ToolRefusal'
}

export type ToolContext = {
  agent: Agent
  roster: Roster
  repository: string
  /** The item being worked, as the run's handle holds it now. */
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
  /** Re-reads the item into the run's handle after a tool changed it directly. */
  refresh(): Promise<WorkItem>
  wake?: (repository: string, agent: string) => void
  /** Mirror and gate dependencies for writes that must route or gate a pull request. */
  pulls: PullDeps
  /** The app's own login: what it wrote is the only place a marker is believed. */
  botLogin(): string
  metrics?: Metrics | undefined
  /**
   * What this run did so far, for the loop's decisions. `subIssuesRefused` remembers that
   * GitHub has no sub-issues for this repository (or the app may not use them), so a run
   * that delegates ten children does not ask ten times under the secondary rate limit.
   */
  done: { delegated: number[]; subIssuesRefused?: number }
  /** The run's comments, looked up once per item (from the mirror, or read since the last read) and shared by the context and every marked comment it writes. */
  comments: CommentCache
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

/** The shared part of what a tool needs: the company's stores and settings. */
export type ToolEnvironment = {
  pool: Pool
  log: Logger
  rosters: { get(repository: string): Roster }
  /** Each repository's settings: its owners and fuses apply to its runs. */
  settings: SettingsLookup
  permissionOf: PermissionOf
  now(): Date
  wake?: ((repository: string, agent: string) => void) | undefined
  botLogin(): string
  metrics?: Metrics | undefined
  /** How long comments GitHub confirmed are trusted without a read: the heartbeat's lease, as for an item's row. */
  leaseMs: number
}

/**
 * A tool context for one agent working one item. It reads and refreshes the run's one
 * item handle, so the tools, the model loop and the heartbeat never hold different copies.
 */
export function createToolContext(
  env: ToolEnvironment,
  work: {
    agent: Agent
    item: ItemHandle
    octokit: Octokit
    runId: number
    log: Logger
    setStatus(event: StatusEvent, note?: string): Promise<boolean>
  },
): ToolContext {
  const { repository } = work.item.get()
  const wake = env.wake ? { wake: env.wake } : {}
  return {
    agent: work.agent,
    roster: env.rosters.get(repository),
    repository,
    item: () => work.item.get(),
    octokit: work.octokit,
    pool: env.pool,
    log: work.log,
    runId: work.runId,
    fuses: env.settings.get(repository).fuses,
    owners: env.settings.get(repository).owners,
    permissionOf: env.permissionOf,
    now: env.now,
    // The run's status writer refreshes the handle after each move.
    setStatus: work.setStatus,
    refresh: () => work.item.refresh(),
    ...wake,
    pulls: {
      pool: env.pool,
      log: env.log,
      rosters: env.rosters as PullDeps['rosters'],
      settings: env.settings,
      permissionOf: env.permissionOf,
      now: env.now,
      botLogin: env.botLogin,
      metrics: env.metrics,
      ...wake,
    },
    botLogin: env.botLogin,
    metrics: env.metrics,
    done: { delegated: [] },
    comments: createRunComments({ pool: env.pool, botLogin: env.botLogin, leaseMs: env.leaseMs }),
  }
}
