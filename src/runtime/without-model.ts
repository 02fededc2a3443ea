import { GOAL_LABEL } from '../company/labels.ts'
import { transition } from '../company/status-machine.ts'
import { blockItem, escalationDepsFor } from '../mirror/escalation.ts'
import { assignTasks, openTasks } from '../company/task-list.ts'
import type { SettingsLookup } from '../config/repository-settings.ts'
import type { PermissionOf } from '../github/permissions.ts'
import type { WorkHook } from '../heartbeat/heartbeat.ts'
import type { Logger } from '../log.ts'
import type { Metrics } from '../metrics/metrics.ts'
import type { RosterRegistry } from '../mirror/roster-registry.ts'
import { childrenOf } from '../store/item-context.ts'
import type { Pool } from '../store/pool.ts'
import { createToolContext } from './tool.ts'
import { openChildIssue } from './tools/delegate.ts'

export const NO_MODEL = 'no model configured'

/**
 * The work step when no model is configured (SPEC §7): a goal's task list (`- [ ] …`
 * lines) still fans out into child issues for the owner's reports, matched by their
 * `handles` labels or in turn; any other work is blocked with the reason, so a person
 * sees why nothing happens.
 */
export function createWorkWithoutModel(deps: {
  pool: Pool
  log: Logger
  rosters: RosterRegistry
  settings: SettingsLookup
  permissionOf: PermissionOf
  now: () => Date
  wake?: (repository: string, agent: string) => void
  botLogin: () => string
  metrics?: Metrics | undefined
  leaseMs: number
}): WorkHook {
  return async (work) => {
    const { agent } = work
    const item = work.item.get()
    const roster = deps.rosters.get(item.repository)
    const tasks = item.labels.includes(GOAL_LABEL) && agent.tools.includes('delegate') ? openTasks(item.body) : []
    const alreadyDelegated = (await childrenOf(deps.pool, item.repository, item.number)).length > 0
    if (tasks.length > 0 && !alreadyDelegated) {
      const ctx = createToolContext(deps, { ...work, log: deps.log })
      for (const { task, assignee } of assignTasks(tasks, roster.reportsOf(agent.slug))) {
        if (ctx.item().status !== 'in-progress') break
        await openChildIssue(ctx, { title: task, body: `A task of the goal #${item.number}: ${task}`, assignee })
      }
      if (ctx.item().status === 'in-progress') await ctx.setStatus('delegate')
      return { tokens: 0, costUsd: 0 }
    }
    const next = transition(item.status, 'block')
    if (next.ok) {
      await blockItem(
        escalationDepsFor(deps, item.repository),
        work.octokit,
        item,
        `${NO_MODEL}. Set OPENAI_API_KEY or OPENAI_BASE_URL so agents can work, then unblock this item.`,
      )
    }
    return { tokens: 0, costUsd: 0 }
  }
}
