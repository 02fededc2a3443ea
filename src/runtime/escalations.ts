import type { EscalationHook, WorkResult } from '../heartbeat/heartbeat.ts'
import { describeModelFailure } from '../llm/model-breaker-rules.ts'
import { createItemHandle } from '../heartbeat/item-handle.ts'
import type { SettingsLookup } from '../config/repository-settings.ts'
import type { Logger } from '../log.ts'
import type { Metrics } from '../metrics/metrics.ts'
import { escalateItem, escalationDepsFor, escalationHolder } from '../mirror/escalation.ts'
import type { RosterRegistry } from '../mirror/roster-registry.ts'
import type { ToolName } from '../roster/tools.ts'
import type { Pool } from '../store/pool.ts'
import { blocksHeldBy } from '../store/escalations.ts'
import { runModelSession, type RuntimeDeps } from './agent-runtime.ts'
import { cleanUntrusted, fence } from './untrusted-text.ts'

/** The tools a manager is offered (of those it holds) while handling a report's blocked item. */
const blockHandlingTools: readonly ToolName[] = [
  'unblock',
  'escalate',
  'delegate',
  'comment',
  'read_issue',
  'search_issues',
  'list_files',
  'read_file',
]

const MAX_PER_HEARTBEAT = 5

export type EscalationHandlerDeps = {
  pool: Pool
  log: Logger
  rosters: RosterRegistry
  /** Each repository's settings: its owners, and the escalation timeout of agents that set none. */
  settings: SettingsLookup
  wake?: (repository: string, agent: string) => void
  botLogin: () => string
  metrics?: Metrics | undefined
  /** The model, when one is configured; without it a manager passes every block up at once. */
  runtime?: RuntimeDeps
}

/**
 * A manager's heartbeat handles its reports' blocked items before its own queue
 * (SPEC §6), oldest first. An escalation it has left unhandled for `escalationTimeout`
 * of its own heartbeats moves up by itself. With a model, the manager decides each
 * one (answer and unblock, reassign, re-scope by delegating, or escalate); without
 * one, it escalates them, so they reach the humans.
 */
export function createEscalationHandler(deps: EscalationHandlerDeps): EscalationHook {
  return async ({ agent, repository, octokit: github, runId, signal, modelPaused }) => {
    const total: WorkResult = { tokens: 0, costUsd: 0, handled: 0 }
    const roster = deps.rosters.get(repository)
    const reports = roster.reportsOf(agent.slug).map((report) => report.slug)
    if (reports.length === 0) return total
    const blocks = await blocksHeldBy(deps.pool, { repository, manager: agent.slug, reports, limit: MAX_PER_HEARTBEAT })
    if (blocks.length === 0) return total
    // The manager decides with the model: while model work is paused, it handles none (the heartbeat is skipped).
    const paused = deps.runtime ? await modelPaused() : undefined
    if (paused !== undefined) return { ...total, modelPaused: paused }
    const octokit = await github()
    const escalation = escalationDepsFor(deps, repository)
    const timeout = agent.escalationTimeout ?? deps.settings.get(repository).escalationTimeout
    for (const { item, handledRuns } of blocks) {
      if (signal.aborted) break
      total.handled = (total.handled ?? 0) + 1
      const log = deps.log.child({ agent: agent.slug, item: `${repository}#${item.number}`, run: runId })
      if (handledRuns >= timeout) {
        log.info({ handledRuns }, 'escalation timed out; moving it up')
        await escalateItem(escalation, octokit, item, {
          by: 'gaffer',
          reason: `${agent.name} left it unhandled for ${handledRuns} heartbeats`,
        })
        continue
      }
      if (!deps.runtime) {
        await escalateItem(escalation, octokit, item, { by: agent.slug, reason: 'no model is configured for this manager to decide' })
        continue
      }
      const outcome = await runModelSession(deps.runtime, {
        agent,
        item: createItemHandle(deps.pool, item),
        octokit,
        runId,
        signal,
        toolNames: blockHandlingTools,
        setStatus: async () => false,
        // The reason was written by a model or a person: quoted data, never instructions.
        preface: `Your direct report's item #${item.number} is blocked. The reason given, quoted:\n${fence(cleanUntrusted(item.blocked_reason ?? 'none', 4_000), 'text')}\nHandle it now: unblock it with an answer (optionally reassigning it to another of your direct reports), re-scope it by delegating a smaller item, or escalate it one level up.`,
        keepGoing: (now) => now.status === 'blocked' && escalationHolder(roster, now) === agent.slug,
      })
      total.tokens += outcome.result.tokens
      total.costUsd += outcome.result.costUsd
      if (outcome.modelError !== undefined) {
        // The model failing for one block fails it for the rest: they wait for the next heartbeat.
        total.error = `the model call failed: ${describeModelFailure(outcome.modelError).message}`
        break
      }
    }
    return total
  }
}
