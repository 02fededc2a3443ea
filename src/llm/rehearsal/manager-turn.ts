import { planChildren, topTasks, type PlannedChild } from './plan-children.ts'
import type { PastCall, RehearsalAgent, RehearsalItem, RehearsalReport } from './read-rehearsal-request.ts'
import { REHEARSAL_NAME } from './rehearsal-model.ts'
import { callTools, type RehearsalCall, type RehearsalTurn } from './rehearsal-turn.ts'

/** Delegations in one turn, so a progress comment and the calls stay within the tool-call fuse (10 a turn by default). */
const DELEGATIONS_PER_TURN = 8

/**
 * A CEO or VP played by the rehearsal model. Back with its children's results, it sums
 * them up and finishes the item once every child is done (or delegates the unfinished
 * ones again, which the delegate tool answers with the existing child, so the item
 * waits). Otherwise it delegates the children `planChildren` names, a batch a turn,
 * with a plan as its progress comment first, and then waits.
 */
export function managerTurn(input: {
  agent: RehearsalAgent
  reports: readonly RehearsalReport[]
  tools: readonly string[]
  item: RehearsalItem
  turns: readonly PastCall[][]
}): RehearsalTurn {
  const { agent, reports, tools, item, turns } = input
  if (item.children.length > 0)
    return turns.length === 0 ? synthesisTurn(tools, item, reports) : { text: `#${item.number} waits for its unfinished children.` }
  const plan = planChildren(item, reports, agent)
  const asked = new Set(turns.flat().flatMap((call) => (call.name === 'delegate' ? [String(call.arguments.title)] : [])))
  const next = plan.filter((child) => !asked.has(child.title)).slice(0, DELEGATIONS_PER_TURN)
  if (next.length === 0) return { text: `Delegated ${plan.length} item${plan.length === 1 ? '' : 's'}; #${item.number} waits for them.` }
  const comment: RehearsalCall | undefined =
    turns.length === 0
      ? {
          name: 'comment',
          arguments: {
            body: [
              `**Plan**: ${topTasks(item.body).length > 0 ? 'one child for each task of the task list' : 'one child for each report whose area fits this item'}:`,
              plan.map((child) => `- "${child.title}" → \`${child.assignee}\``).join('\n'),
              `**Next step**: wait; #${item.number} comes back to ${agent.slug} when they are done.`,
            ].join('\n\n'),
          },
        }
      : undefined
  return callTools(tools, comment, ...next.map(delegation))
}

function delegation(child: PlannedChild): RehearsalCall {
  return { name: 'delegate', arguments: { ...child } }
}

function synthesisTurn(tools: readonly string[], item: RehearsalItem, reports: readonly RehearsalReport[]): RehearsalTurn {
  const finished = (outcome: string) => outcome === 'done' || outcome === 'closed'
  const open = item.children.filter((child) => !finished(child.outcome))
  if (open.length > 0) {
    const fallback = reports.find((report) => report.role !== 'reviewer') ?? reports[0]
    return callTools(
      tools,
      ...open.map((child) =>
        delegation({
          title: child.title,
          body: `Still open: #${child.number}.`,
          assignee: reports.some((report) => report.slug === child.owner) ? child.owner! : (fallback?.slug ?? child.owner ?? ''),
        }),
      ),
    )
  }
  const summary = [
    `**Summary** of the work delegated from #${item.number}:`,
    item.children.map((child) => `- #${child.number} ${child.title} (${child.owner ?? 'unowned'}): ${child.outcome}`).join('\n'),
    `Every child is finished, so #${item.number} is done. (Summed up by the ${REHEARSAL_NAME}: it lists the results and judges none of them.)`,
  ].join('\n\n')
  return callTools(tools, { name: 'comment', arguments: { body: summary } }, { name: 'set_status', arguments: { status: 'done' } })
}

/** A manager asked to handle a report's blocked item: the rehearsal model answers nothing and decides nothing, so it passes the block up. */
export function escalateTurn(tools: readonly string[], blocked: { number: number }): RehearsalTurn {
  return callTools(tools, {
    name: 'escalate',
    arguments: { number: blocked.number, reason: `The ${REHEARSAL_NAME} answers no questions and makes no decisions, so it passes this block up.` },
  })
}
