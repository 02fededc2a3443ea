import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions'
import type { Fuses } from '../company/fuses.ts'
import type { StatusEvent } from '../company/status-machine.ts'
import type { PermissionOf } from '../github/permissions.ts'
import type { WorkHook, WorkResult } from '../heartbeat/heartbeat.ts'
import { upsertMarkedComment } from '../github/upsert-marked-comment.ts'
import type { ModelClient } from '../llm/model-client.ts'
import { costOf, type Price } from '../llm/prices.ts'
import type { Logger } from '../log.ts'
import type { RosterRegistry } from '../mirror/roster-registry.ts'
import { appendAudit } from '../store/audit-log.ts'
import { recordSpend } from '../store/budgets.ts'
import { clearFailures, recordFailure } from '../store/item-context.ts'
import type { Pool } from '../store/pool.ts'
import { getWorkItem, type WorkItem } from '../store/work-items.ts'
import { loadItemContext, type CommentAccess } from './load-item-context.ts'
import { itemMessage, systemPrompt } from './prompt.ts'
import { ToolRefusal, type Tool, type ToolContext } from './tool.ts'
import { offeredTools } from './tools/index.ts'
import { approvalNote } from './tools/approval.ts'

export type RuntimeDeps = {
  pool: Pool
  log: Logger
  rosters: RosterRegistry
  model: ModelClient
  defaultModel: string
  prices: Record<string, Price>
  fuses: Fuses
  owners: string[]
  permissionOf: PermissionOf
  commentAccess: CommentAccess
  botLogin: () => string
  now: () => Date
  wake?: (repository: string, agent: string) => void
  /** Identical model failures on one item before it is blocked (the circuit breaker). */
  maxIdenticalFailures: number
}

/**
 * The work step with a model (SPEC §7): up to maxTurns Chat Completions turns; each
 * turn's tool calls are validated with zod, checked against what the agent holds,
 * and only then performed. The loop ends when the model answers without tool calls,
 * the item leaves `in-progress`, the turn cap or the run's token budget is reached.
 */
export function createAgentRuntime(deps: RuntimeDeps): WorkHook {
  const warnedPrices = new Set<string>()
  return async (work) => {
    const { agent, octokit } = work
    const repository = work.item.repository
    const log = deps.log.child({ agent: agent.slug, item: `${repository}#${work.item.number}`, run: work.runId })
    const roster = deps.rosters.get(repository)
    const model = agent.model ?? deps.defaultModel
    let current: WorkItem = work.item
    const done = { delegated: [] as number[] }
    const setStatus = async (event: StatusEvent, note?: string) => {
      const ok = await work.setStatus(event, note)
      if (ok) current = (await getWorkItem(deps.pool, repository, current.number)) ?? current
      return ok
    }
    const ctx: ToolContext = {
      agent,
      roster,
      repository,
      item: () => current,
      octokit,
      pool: deps.pool,
      log,
      runId: work.runId,
      fuses: deps.fuses,
      owners: deps.owners,
      permissionOf: deps.permissionOf,
      now: deps.now,
      setStatus,
      ...(deps.wake ? { wake: deps.wake } : {}),
      done,
    }
    const { tools, definitions } = offeredTools(agent)
    const context = await loadItemContext({ pool: deps.pool, octokit, item: current, botLogin: deps.botLogin(), permissionOf: deps.permissionOf, commentAccess: deps.commentAccess })
    const messages: ChatCompletionMessageParam[] = [
      { role: 'system', content: systemPrompt({ agent, roster, repository, goalChain: context.goalChain, owners: deps.owners }) },
      { role: 'user', content: itemMessage({ item: current, comments: context.comments, children: context.children }) },
    ]
    const result: WorkResult = { tokens: 0, costUsd: 0 }
    const runTokens = agent.budget.runTokens

    try {
      for (let turn = 1; turn <= agent.maxTurns && !work.signal.aborted; turn += 1) {
        if (runTokens !== undefined && result.tokens >= runTokens) {
          log.warn({ tokens: result.tokens, runTokens }, 'run token budget reached')
          break
        }
        let reply
        try {
          reply = await deps.model.complete({ model, messages, tools: definitions, signal: work.signal })
        } catch (error) {
          if (work.signal.aborted) break
          await tripCircuitBreaker(deps, ctx, error, log)
          return result
        }
        result.tokens += reply.promptTokens + reply.completionTokens
        const cost = costOf(deps.prices, model, { promptTokens: reply.promptTokens, completionTokens: reply.completionTokens })
        if (cost === undefined && !warnedPrices.has(model)) {
          warnedPrices.add(model)
          log.warn({ model }, 'no price for this model; its spend counts as 0 (set GAFFER_PRICES)')
        }
        result.costUsd += cost ?? 0
        messages.push(reply.message)
        const calls = reply.message.tool_calls ?? []
        if (calls.length === 0) break
        let overCap = false
        for (const [index, call] of calls.entries()) {
          let answer: string
          if (index >= deps.fuses.maxToolCallsPerTurn) {
            answer = `refused: more than ${deps.fuses.maxToolCallsPerTurn} tool calls in one turn`
            overCap = true
          } else {
            answer = await dispatch(tools, ctx, call, log)
          }
          messages.push({ role: 'tool', tool_call_id: call.id, content: answer })
        }
        if (overCap && current.status === 'in-progress') {
          await setStatus('request_approval', approvalNote(ctx, `${agent.name} asked for ${calls.length} actions in one turn; the limit is ${deps.fuses.maxToolCallsPerTurn}.`))
        }
        if (current.status !== 'in-progress') break
      }
      if (done.delegated.length > 0 && current.status === 'in-progress') await setStatus('delegate')
      await clearFailures(deps.pool, repository, current.number)
      return result
    } finally {
      await chargeBudget(deps, ctx, result.costUsd, log)
    }
  }
}

type Call = { id: string; type: string; function?: { name: string; arguments: string } }

async function dispatch(tools: Map<string, Tool>, ctx: ToolContext, call: Call, log: Logger): Promise<string> {
  const name = call.function?.name ?? call.type
  const tool = tools.get(name)
  if (!tool || !call.function) {
    log.warn({ tool: name }, 'refused a tool the agent does not hold')
    return `refused: you do not hold the tool "${name}"; your tools are ${[...tools.keys()].join(', ') || 'none'}`
  }
  let raw: unknown
  try {
    raw = JSON.parse(call.function.arguments || '{}')
  } catch {
    return `refused: the arguments of ${name} are not valid JSON`
  }
  const args = tool.parameters.safeParse(raw)
  if (!args.success) {
    return `refused: invalid arguments for ${name}: ${args.error.issues.map((i) => `${i.path.join('.') || 'arguments'}: ${i.message}`).join('; ')}`
  }
  try {
    const answer = await tool.run(ctx, args.data)
    log.info({ tool: name }, 'tool call done')
    return answer
  } catch (error) {
    if (error instanceof ToolRefusal) {
      log.info({ tool: name, reason: error.message }, 'tool call refused')
      return `refused: ${error.message}`
    }
    log.error({ tool: name, err: error }, 'tool call failed')
    return `failed: ${(error as Error).message}`
  }
}

/** Three identical model failures on one item block it with the error (SPEC §7); fewer leave it to be retried. */
async function tripCircuitBreaker(deps: RuntimeDeps, ctx: ToolContext, error: unknown, log: Logger): Promise<void> {
  const status = (error as { status?: number }).status
  const message = (error as Error).message ?? String(error)
  const signature = `${status ?? 'error'} ${message}`.slice(0, 300)
  const count = await recordFailure(deps.pool, ctx.repository, ctx.item().number, signature)
  log.error({ err: error, count }, 'model call failed')
  if (count >= deps.maxIdenticalFailures) {
    await ctx.setStatus('block', `Blocked: the model failed ${count} times in a row on this item: ${message}`)
    await appendAudit(deps.pool, { actor: ctx.agent.slug, action: 'circuit_breaker', repository: ctx.repository, target: ctx.item().number, outcome: 'blocked', detail: { signature } })
  }
}

/** Adds the run's cost to the agent's month; warns once at 80% and pauses the agent at 100%. */
async function chargeBudget(deps: RuntimeDeps, ctx: ToolContext, costUsd: number, log: Logger): Promise<void> {
  const monthlyUsd = ctx.agent.budget.monthlyUsd
  const spend = await recordSpend(deps.pool, ctx.repository, ctx.agent.slug, costUsd, monthlyUsd, deps.now())
  if (!spend.warnNow && !spend.pausedNow) return
  const text = spend.pausedNow
    ? `${ctx.agent.name} has spent its monthly budget ($${spend.spentUsd.toFixed(2)} of $${monthlyUsd}) and is paused until next month or \`/resume ${ctx.agent.slug}\`.`
    : `${ctx.agent.name} has spent $${spend.spentUsd.toFixed(2)} of its $${monthlyUsd} monthly budget (80% or more).`
  log.warn({ spentUsd: spend.spentUsd, monthlyUsd }, spend.pausedNow ? 'agent paused: monthly budget spent' : 'budget warning')
  await upsertMarkedComment(ctx.octokit, ctx.item(), { kind: 'budget', agent: ctx.agent.slug }, text)
  await appendAudit(deps.pool, {
    actor: 'gaffer',
    action: spend.pausedNow ? 'pause' : 'budget_warning',
    repository: ctx.repository,
    target: ctx.item().number,
    outcome: spend.pausedNow ? 'paused' : 'warned',
    detail: { agent: ctx.agent.slug, spentUsd: spend.spentUsd, monthlyUsd },
  })
}
