import { upsertMarkedComment } from '../github/upsert-marked-comment.ts'
import type { Logger } from '../log.ts'
import { chargeSpend, type SpendDeps } from './charge-spend.ts'
import type { ToolContext } from './tool.ts'

/**
 * Adds the run's cost to the agent's month (`chargeSpend`), and at the 80% warning or the
 * pause says so on the run's item, where the people who gave it the work look.
 */
export async function chargeBudget(deps: SpendDeps, ctx: ToolContext, costUsd: number, log: Logger): Promise<void> {
  const monthlyUsd = ctx.agent.budget.monthlyUsd
  const spend = await chargeSpend(deps, { repository: ctx.repository, agent: ctx.agent, number: ctx.item().number, costUsd }, log)
  if (!spend.warnNow && !spend.pausedNow) return
  const text = spend.pausedNow
    ? `${ctx.agent.name} has spent its monthly budget ($${spend.spentUsd.toFixed(2)} of $${monthlyUsd}) and is paused until next month or \`/resume ${ctx.agent.slug}\`.`
    : `${ctx.agent.name} has spent $${spend.spentUsd.toFixed(2)} of its $${monthlyUsd} monthly budget (80% or more).`
  await upsertMarkedComment(ctx.octokit, ctx.botLogin(), ctx.item(), { kind: 'budget', agent: ctx.agent.slug }, text, ctx.comments)
}
