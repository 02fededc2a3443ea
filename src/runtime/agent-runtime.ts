import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions'
import type { SettingsLookup } from '../config/repository-settings.ts'
import { transition, type StatusEvent } from '../company/status-machine.ts'
import type { PermissionOf } from '../github/permissions.ts'
import type { Octokit } from '../github/octokit.ts'
import type { WorkHook, WorkResult } from '../heartbeat/heartbeat.ts'
import type { ItemHandle } from '../heartbeat/item-handle.ts'
import type { ToolName } from '../roster/tools.ts'
import type { Agent } from '../roster/schema.ts'
import { addBodyNote } from '../github/add-body-note.ts'
import { REHEARSAL_MODEL, REHEARSAL_NOTE } from '../llm/rehearsal/rehearsal-model.ts'
import type { ModelClient } from '../llm/model-client.ts'
import { describeModelFailure, ModelPaused } from '../llm/model-breaker-rules.ts'
import { costOf, type Price } from '../llm/prices.ts'
import type { Logger } from '../log.ts'
import type { Metrics } from '../metrics/metrics.ts'
import { blockItem, escalationDepsFor } from '../mirror/escalation.ts'
import type { RosterRegistry } from '../mirror/roster-registry.ts'
import { appendAudit } from '../store/audit-log.ts'
import { chargeBudget } from './charge-budget.ts'
import { finishChatTranscript, recordChatProgress, startChatTranscript } from '../store/chat-transcripts.ts'
import { clearFailures, recordFailure } from '../store/item-context.ts'
import type { Pool } from '../store/pool.ts'
import type { WorkItem } from '../store/work-items.ts'
import { loadItemContext } from './load-item-context.ts'
import { itemMessage, systemPrompt } from './prompt.ts'
import { createToolContext, ToolRefusal, type Tool, type ToolContext, type ToolEnvironment } from './tool.ts'
import { offeredTools } from './tools/index.ts'
import { approvalNote } from './tools/approval.ts'
import { boundTranscript, transcriptEntry, type TranscriptEntry } from './chat-transcript.ts'

export type RuntimeDeps = {
  pool: Pool
  log: Logger
  rosters: RosterRegistry
  model: ModelClient
  defaultModel: string
  prices: Record<string, Price>
  /** Each repository's settings (`.github/gaffer.yml`, else the environment's): owners, fuses, comment access. */
  settings: SettingsLookup
  permissionOf: PermissionOf
  botLogin: () => string
  now: () => Date
  wake?: (repository: string, agent: string) => void
  /** Identical model failures on one item before it is blocked (the circuit breaker). */
  maxIdenticalFailures: number
  metrics?: Metrics | undefined
  /** How long what GitHub confirmed (an item's comments) is trusted without a read: the heartbeat's lease. */
  leaseMs: number
  /**
   * The model server is the rehearsal model (SPEC §16): every agent asks for it whatever
   * its AGENTS.md names, and everything its runs write on GitHub carries REHEARSAL_NOTE.
   */
  rehearsal?: boolean
}

// Warn once per process about a model missing from the price table.
const unpricedModels = new Set<string>()

export type ModelSession = {
  agent: Agent
  /** The run's one copy of the item: the loop, its tools and the caller read and refresh it here. */
  item: ItemHandle
  octokit: Octokit
  runId: number
  signal: AbortSignal
  /** Moves `item` along the status machine and refreshes it (the claimed item's, from the heartbeat). */
  setStatus(event: StatusEvent, note?: string): Promise<boolean>
  /** Offer only these of the agent's tools (all it holds when absent). */
  toolNames?: readonly ToolName[]
  /** Said before the item in the user message. */
  preface?: string
  /** Whether the loop should go on after a turn, given the item as it is now. */
  keepGoing(item: WorkItem): boolean
}

export type SessionOutcome = {
  result: WorkResult
  item: WorkItem
  delegated: number[]
  modelError: unknown
  /** Tool calls that ran to the end (not refused, not failed): the session changed something. */
  toolCallsDone: number
}

/**
 * The model loop (SPEC §7): up to maxTurns Chat Completions turns; each turn's tool
 * calls are validated with zod, checked against what the agent holds, and only then
 * performed. It ends when the model answers without tool calls, `keepGoing` says so,
 * the turn cap or the run's token budget is reached, or the model server fails.
 */
export async function runModelSession(deps: RuntimeDeps, session: ModelSession): Promise<SessionOutcome> {
  const { agent, octokit } = session
  const { repository, number } = session.item.get()
  const log = deps.log.child({ agent: agent.slug, item: `${repository}#${number}`, run: session.runId })
  const model = deps.rehearsal ? REHEARSAL_MODEL : (agent.model ?? deps.defaultModel)
  // Added where the run writes, not left to the model's text: a person always sees that no model wrote it.
  const removeNote = deps.rehearsal ? addBodyNote(octokit, REHEARSAL_NOTE) : undefined
  try {
    return await runTurns(deps, session, { log, model })
  } finally {
    removeNote?.()
  }
}

async function runTurns(deps: RuntimeDeps, session: ModelSession, run: { log: Logger; model: string }): Promise<SessionOutcome> {
  const { agent, octokit } = session
  const { repository, number } = session.item.get()
  const { log, model } = run
  const roster = deps.rosters.get(repository)
  const ctx = createToolContext(deps, { ...session, log })
  const offered = session.toolNames ? { ...agent, tools: agent.tools.filter((tool) => session.toolNames!.includes(tool as ToolName)) } : agent
  const { tools, definitions } = offeredTools(offered)
  const context = await loadItemContext({
    pool: deps.pool,
    octokit,
    item: ctx.item(),
    botLogin: deps.botLogin(),
    permissionOf: deps.permissionOf,
    commentAccess: deps.settings.get(repository).commentAccess,
    comments: ctx.comments,
  })
  const itemText = itemMessage({ item: ctx.item(), comments: context.comments, children: context.children })
  const messages: ChatCompletionMessageParam[] = [
    { role: 'system', content: systemPrompt({ agent, roster, repository, goalChain: context.goalChain, owners: ctx.owners }) },
    { role: 'user', content: session.preface ? `${session.preface}\n\n${itemText}` : itemText },
  ]
  const result: WorkResult = { tokens: 0, costUsd: 0 }
  const runTokens = agent.budget.runTokens
  let modelError: unknown
  let toolCallsDone = 0
  let ending = 'turn cap reached'
  const transcript = await openTranscript(deps, log, { runId: session.runId, repository, number, agent: agent.slug, model }, messages)
  try {
    for (let turn = 1; turn <= agent.maxTurns && !session.signal.aborted; turn += 1) {
      if (runTokens !== undefined && result.tokens >= runTokens) {
        log.warn({ tokens: result.tokens, runTokens }, 'run token budget reached')
        ending = 'run token budget reached'
        break
      }
      let reply
      const call = { repository, agent: agent.slug, model }
      try {
        reply = await deps.model.complete({ model, messages, tools: definitions, signal: session.signal })
      } catch (error) {
        if (!session.signal.aborted) modelError = error
        ending = session.signal.aborted ? 'stopped' : `model failed: ${(error as Error).message ?? String(error)}`
        deps.metrics?.modelCall({ ...call, outcome: error instanceof ModelPaused ? 'paused' : 'failed' })
        break
      }
      deps.metrics?.modelCall({ ...call, outcome: 'ok' })
      result.tokens += reply.promptTokens + reply.completionTokens
      const cost = costOf(deps.prices, model, { promptTokens: reply.promptTokens, completionTokens: reply.completionTokens })
      if (cost === undefined && !unpricedModels.has(model)) {
        unpricedModels.add(model)
        log.warn({ model }, 'no price for this model; its spend counts as 0 (set GAFFER_PRICES)')
      }
      result.costUsd += cost ?? 0
      messages.push(reply.message)
      transcript.turn(reply, cost ?? 0)
      const calls = reply.message.tool_calls ?? []
      if (calls.length === 0) {
        ending = 'finished'
        break
      }
      let overCap = false
      for (const [index, call] of calls.entries()) {
        let answer: string
        if (index >= ctx.fuses.maxToolCallsPerTurn) {
          answer = `refused: more than ${ctx.fuses.maxToolCallsPerTurn} tool calls in one turn`
          overCap = true
        } else {
          const dispatched = await dispatch(tools, ctx, call, log)
          answer = dispatched.answer
          if (dispatched.done) toolCallsDone += 1
        }
        messages.push({ role: 'tool', tool_call_id: call.id, content: answer })
        transcript.add(messages.at(-1)!)
      }
      await transcript.save()
      await ctx.refresh()
      if (overCap && ctx.item().status === 'in-progress') {
        await ctx.setStatus(
          'request_approval',
          approvalNote(ctx, `${agent.name} asked for ${calls.length} actions in one turn; the limit is ${ctx.fuses.maxToolCallsPerTurn}.`),
        )
      }
      if (!session.keepGoing(ctx.item())) {
        ending = 'finished'
        break
      }
    }
    if (session.signal.aborted && ending !== 'finished') ending = 'stopped'
    if (modelError !== undefined) {
      log.error({ err: modelError }, 'model call failed')
    }
    return { result, item: ctx.item(), delegated: ctx.done.delegated, modelError, toolCallsDone }
  } finally {
    await transcript.finish(ending)
    await chargeBudget(deps, ctx, result.costUsd, log)
  }
}

/**
 * The run's transcript in Postgres (SPEC §16): its messages and tool calls, bounded,
 * saved after each turn and when the run ends. A database error here is logged and the
 * work goes on: the transcript is for people reading later, not for the work.
 */
async function openTranscript(
  deps: Pick<RuntimeDeps, 'pool'>,
  log: Logger,
  start: Parameters<typeof startChatTranscript>[1],
  opening: readonly ChatCompletionMessageParam[],
) {
  const entries: TranscriptEntry[] = opening.map((message) => transcriptEntry(message))
  const totals = { turns: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 }
  const safely = async (what: string, write: () => Promise<unknown>) => {
    try {
      await write()
    } catch (error) {
      log.error({ err: error }, what)
    }
  }
  let id: number | undefined
  await safely(
    'could not record the run transcript',
    async () => (id = await startChatTranscript(deps.pool, start, boundTranscript(entries).entries)),
  )
  const progress = () => ({ ...totals, ...boundTranscript(entries) })
  return {
    turn(reply: { message: ChatCompletionMessageParam; promptTokens: number; completionTokens: number }, costUsd: number) {
      totals.turns += 1
      totals.inputTokens += reply.promptTokens
      totals.outputTokens += reply.completionTokens
      totals.costUsd += costUsd
      entries.push(transcriptEntry(reply.message, { prompt: reply.promptTokens, completion: reply.completionTokens, costUsd }))
    },
    add(message: ChatCompletionMessageParam) {
      entries.push(transcriptEntry(message))
    },
    save: () =>
      id === undefined ? Promise.resolve() : safely('could not save the run transcript', () => recordChatProgress(deps.pool, id!, progress())),
    finish: (outcome: string) =>
      id === undefined
        ? Promise.resolve()
        : safely('could not save the run transcript', () => finishChatTranscript(deps.pool, id!, outcome, progress())),
  }
}

/**
 * The work step with a model: a model session on the claimed item while it stays
 * `in-progress`. A run that delegated and set no other status leaves the item
 * `waiting`; repeated identical model failures trip the circuit breaker.
 */
export function createAgentRuntime(deps: RuntimeDeps): WorkHook {
  return async (work) => {
    const outcome = await runModelSession(deps, { ...work, keepGoing: (item) => item.status === 'in-progress' })
    const { repository, number } = outcome.item
    if (outcome.modelError !== undefined) {
      // A run whose model failed is a failed run. An outage is nobody's item's fault: the
      // claim goes back without an attempt, and the global breaker (not this item's) counts it.
      // Only while the session changed nothing, though: once a tool acted, an intermittent
      // outage would otherwise re-run the item (and its side effects) without limit, so the
      // run counts as an attempt like any unfinished one.
      const failure = describeModelFailure(outcome.modelError)
      const failed = { ...outcome.result, error: `the model call failed: ${failure.message}` }
      if (failure.kind === 'outage') return outcome.toolCallsDone === 0 ? { ...failed, handBack: true } : failed
      await tripCircuitBreaker(deps, work, outcome.modelError)
      return failed
    }
    if (outcome.delegated.length > 0 && outcome.item.status === 'in-progress') await work.setStatus('delegate')
    await clearFailures(deps.pool, repository, number)
    return outcome.result
  }
}

type Call = { id: string; type: string; function?: { name: string; arguments: string } }

async function dispatch(tools: Map<string, Tool>, ctx: ToolContext, call: Call, log: Logger): Promise<{ answer: string; done: boolean }> {
  const refused = (answer: string) => ({ answer, done: false })
  const name = call.function?.name ?? call.type
  const tool = tools.get(name)
  if (!tool || !call.function) {
    log.warn({ tool: name }, 'refused a tool the agent does not hold')
    return refused(`refused: you do not hold the tool "${name}"; your tools are ${[...tools.keys()].join(', ') || 'none'}`)
  }
  let raw: unknown
  try {
    raw = JSON.parse(call.function.arguments || '{}')
  } catch {
    return refused(`refused: the arguments of ${name} are not valid JSON`)
  }
  const args = tool.parameters.safeParse(raw)
  if (!args.success) {
    return refused(
      `refused: invalid arguments for ${name}: ${args.error.issues.map((i) => `${i.path.join('.') || 'arguments'}: ${i.message}`).join('; ')}`,
    )
  }
  try {
    const answer = await tool.run(ctx, args.data)
    log.info({ tool: name }, 'tool call done')
    return { answer, done: true }
  } catch (error) {
    if (error instanceof ToolRefusal) {
      log.info({ tool: name, reason: error.message }, 'tool call refused')
      return refused(`refused: ${error.message}`)
    }
    log.error({ tool: name, err: error }, 'tool call failed')
    return refused(`failed: ${(error as Error).message}`)
  }
}

/** Three identical model failures on one item block it with the error (SPEC §7); fewer leave it to be retried. */
export async function tripCircuitBreaker(
  deps: Pick<RuntimeDeps, 'pool' | 'settings' | 'wake' | 'botLogin' | 'maxIdenticalFailures'> & Pick<ToolEnvironment, 'rosters'>,
  work: { agent: Agent; item: ItemHandle; octokit: Octokit },
  error: unknown,
): Promise<void> {
  const { repository, number } = work.item.get()
  const status = (error as { status?: number }).status
  const message = (error as Error).message ?? String(error)
  const signature = `${status ?? 'error'} ${message}`.slice(0, 300)
  const count = await recordFailure(deps.pool, repository, number, signature)
  if (count < deps.maxIdenticalFailures) return
  // Blocked like any other block: reason recorded, the manager asked (or the humans, for the CEO's items).
  const current = await work.item.refresh()
  if (!transition(current.status, 'block').ok) return
  await blockItem(escalationDepsFor(deps, repository), work.octokit, current, `${failures(error)} ${count} times in a row on this item: ${message}`)
  await appendAudit(deps.pool, {
    actor: work.agent.slug,
    action: 'circuit_breaker',
    repository,
    target: number,
    outcome: 'blocked',
    detail: { signature },
  })
}

/** What kept failing: a CLI run says so by its error's name (CliFailure), anything else is the model. */
function failures(error: unknown): string {
  return (error as Error).name === 'CliFailure' ? 'the CLI run failed' : 'the model failed'
}
