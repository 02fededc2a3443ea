import { askedQuestion } from './asked-question.ts'
import { escalateTurn, managerTurn } from './manager-turn.ts'
import type { PastCall, RehearsalAgent, RehearsalItem, RehearsalRequest } from './read-rehearsal-request.ts'
import { REHEARSAL_NAME } from './rehearsal-model.ts'
import { callTools, type RehearsalTurn } from './rehearsal-turn.ts'
import { reviewerFirstTurn, reviewerVerdictTurn } from './reviewer-turn.ts'
import { specialistTurn } from './specialist-turn.ts'

/**
 * The rehearsal model's answer to one Chat Completions request (docs/runtime.md#the-rehearsal-model).
 * A session's first turn acts by the item and the tools offered: a manager handling a
 * report's block escalates it; an item that asks a question is blocked with it; a pull
 * request (or an issue naming one) is read by a reviewer; a manager delegates; a
 * specialist proposes a change. Later turns follow from what the earlier calls answered:
 * a refusal blocks the item with it, a pull request read is reviewed, a delegation goes
 * on to the next batch, and anything else ends the session with a short answer.
 */
export function rehearse(request: RehearsalRequest): RehearsalTurn {
  const { agent, item } = request
  if (!agent || !item) return { text: `The ${REHEARSAL_NAME} found no work item in this request, so it has nothing to do.` }
  const last = request.turns.at(-1)
  if (last) return followUp(request, agent, item, last)
  if (request.blocked) return escalateTurn(request.tools, request.blocked)
  return firstTurn(request, agent, item)
}

function firstTurn(request: RehearsalRequest, agent: RehearsalAgent, item: RehearsalItem): RehearsalTurn {
  const { tools } = request
  const offers = (tool: string) => tools.includes(tool)
  if (item.kind === 'pull') return offers('review_pull_request') ? reviewerFirstTurn(tools, item) : noRule(agent, tools, item)
  const question = askedQuestion(item)
  if (question !== undefined) {
    return block(
      tools,
      `#${item.number} asks a question only a person can answer: "${question}" The ${REHEARSAL_NAME} makes up no answers: reply in a comment, or with \`/unblock <answer>\`.`,
    )
  }
  if (offers('review_pull_request')) return reviewerFirstTurn(tools, item)
  if (offers('delegate') && request.reports.length > 0) return managerTurn({ ...request, agent, item })
  if (offers('propose_change')) return specialistTurn(agent, tools, item)
  return noRule(agent, tools, item)
}

function followUp(request: RehearsalRequest, agent: RehearsalAgent, item: RehearsalItem, last: readonly PastCall[]): RehearsalTurn {
  const { tools } = request
  const refused = last.find((call) => /^(refused|failed):/.test(call.result))
  if (refused) {
    // A refused block, or a refused step of a block's handling, ends the session: blocking again would loop.
    if (refused.name === 'set_status' || request.blocked) return { text: `Stopping: ${refused.name} was ${refused.result}` }
    return block(tools, `the ${REHEARSAL_NAME}'s ${refused.name} call was ${refused.result}`)
  }
  const read = last.find((call) => call.name === 'read_pull_request')
  if (read && tools.includes('review_pull_request')) return reviewerVerdictTurn(tools, Number(read.arguments.number), read.result)
  // A review of a pull request another item names finishes that item; a pull request's own item moved to review with it.
  if (last.some((call) => call.name === 'review_pull_request') && item.kind === 'issue')
    return callTools(tools, { name: 'set_status', arguments: { status: 'done' } })
  if (last.some((call) => call.name === 'delegate')) return managerTurn({ ...request, agent, item })
  return { text: `Done: ${last.map((call) => call.result).join(' ')}` }
}

function block(tools: readonly string[], reason: string): RehearsalTurn {
  return callTools(tools, { name: 'set_status', arguments: { status: 'blocked', reason } })
}

function noRule(agent: RehearsalAgent, tools: readonly string[], item: RehearsalItem): RehearsalTurn {
  return block(
    tools,
    `the ${REHEARSAL_NAME} has no rule for a ${agent.role} holding ${tools.join(', ') || 'no tools'} on ${item.kind === 'pull' ? 'a pull request' : 'this issue'}: managers delegate, specialists propose changes and reviewers review. Give #${item.number} to an agent that can, or configure a model.`,
  )
}
