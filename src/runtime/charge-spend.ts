import { notificationSelection } from '../config/notification-selection.ts'
import type { SettingsLookup } from '../config/repository-settings.ts'
import type { Logger } from '../log.ts'
import { recordBudgetPause } from '../notify/record-budget-pause.ts'
import { appendAudit } from '../store/audit-log.ts'
import { recordSpend, type SpendResult } from '../store/budgets.ts'
import type { Pool } from '../store/pool.ts'

export type SpendDeps = { pool: Pool; now: () => Date; settings: SettingsLookup }

/** What was spent, by whom, on which item; `by` names spending that is not the agent's own run. */
export type Spend = {
  repository: string
  agent: { slug: string; budget: { monthlyUsd?: number | undefined } }
  number: number
  costUsd: number
  by?: string
}

/**
 * Adds model spend to an agent's month (SPEC §8): the 80% warning once a month and the
 * pause at 100%, each logged and written to the audit log, and the pause recorded for the
 * repository's notification channels (SPEC §15). Every spender calls this one function
 * (a run, a CLI run, a priority judgment), so what a budget does cannot differ by who
 * spent it. What the caller says on GitHub, if anything, it says from the result.
 */
export async function chargeSpend(deps: SpendDeps, spend: Spend, log: Logger): Promise<SpendResult> {
  const { repository, agent, number } = spend
  const monthlyUsd = agent.budget.monthlyUsd
  const result = await recordSpend(deps.pool, repository, agent.slug, spend.costUsd, monthlyUsd, deps.now())
  if (!result.warnNow && !result.pausedNow) return result
  const by = spend.by === undefined ? {} : { by: spend.by }
  log.warn(
    { agent: agent.slug, spentUsd: result.spentUsd, monthlyUsd, ...by },
    result.pausedNow ? 'agent paused: monthly budget spent' : 'budget warning',
  )
  await appendAudit(deps.pool, {
    actor: 'gaffer',
    action: result.pausedNow ? 'pause' : 'budget_warning',
    repository,
    target: number,
    outcome: result.pausedNow ? 'paused' : 'warned',
    detail: { agent: agent.slug, spentUsd: result.spentUsd, monthlyUsd, ...by },
  })
  if (result.pausedNow && monthlyUsd !== undefined) {
    const pause = { repository, agent: agent.slug, spentUsd: result.spentUsd, monthlyUsd, number, now: deps.now() }
    await recordBudgetPause({ pool: deps.pool, log }, pause, notificationSelection(deps.settings.get(repository)))
  }
  return result
}
