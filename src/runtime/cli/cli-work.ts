import type { CliRuntimes } from '../../config/runtimes.ts'
import type { PermissionOf } from '../../github/permissions.ts'
import { upsertMarkedComment } from '../../github/upsert-marked-comment.ts'
import type { WorkContext, WorkHook, WorkResult } from '../../heartbeat/heartbeat.ts'
import { costOf, type Price } from '../../llm/prices.ts'
import type { Logger } from '../../log.ts'
import { appendAudit } from '../../store/audit-log.ts'
import { finishCliTranscript, startCliTranscript } from '../../store/cli-transcripts.ts'
import { clearFailures } from '../../store/item-context.ts'
import { getRepository } from '../../store/repositories.ts'
import { chargeBudget, tripCircuitBreaker } from '../agent-runtime.ts'
import { loadItemContext } from '../load-item-context.ts'
import { cleanOutput } from '../output-hygiene.ts'
import { itemMessage, systemPrompt } from '../prompt.ts'
import { pullRequestText, type PullRequestView } from '../pull-request-text.ts'
import { loadPullRequestView } from '../tools/read-pull-request.ts'
import { createToolContext, type ToolContext, type ToolEnvironment } from '../tool.ts'
import type { CliUsage } from './cli-event.ts'
import { blockedReason, cliInstructions, cliReviewInstructions } from './cli-prompt.ts'
import { settleReview } from './cli-review.ts'
import { cliProgressText, type CliProgress } from './progress-text.ts'
import { runCli, type CliResult } from './run-cli.ts'
import type { Workspace } from '../../workspace/workspace.ts'
import type { WorkspaceOps } from './workspace-ops.ts'
import type { CheckoutSettings } from '../../workspace/prepare-workspace.ts'

export type CliWorkDeps = ToolEnvironment & {
  runtimes: CliRuntimes
  sandbox: 'auto' | 'none'
  /** GAFFER_HOME: workspaces live under it. */
  home: string
  /** Charge per minute for a CLI that reports no usage (GAFFER_CLI_USD_PER_MINUTE). */
  usdPerMinute: number
  prices: Record<string, Price>
  maxIdenticalFailures: number
  permissionOf: PermissionOf
  /** Where a runtime's named variables are read from (process.env). */
  hostEnv: Readonly<Record<string, string | undefined>>
  workspace: WorkspaceOps
  /** How workspaces are checked out; defaults as in prepareWorkspace. */
  checkout?: CheckoutSettings
  /** Least time between two edits of the progress comment while the CLI runs (SPEC §14: 30 s). */
  progressIntervalMs?: number
}

const MAX_REPORT_CHARS = 10_000

/** Raised into the circuit breaker for a CLI that ended in failure; its message is the breaker's signature. */
class CliFailure extends Error {
  override name = 'CliFailure'
}

/**
 * The work step of an agent on a CLI runtime (SPEC §14): a workspace, the §7 prompt plus
 * how to work in a checkout, the CLI in its sandbox, then the result through the safe
 * outputs: changes become the pull request (item → review); without changes the exit
 * code decides done (0), blocked (2, or a report starting BLOCKED:) or a failure that
 * counts toward the circuit breaker. The workspace goes after the run, kept 24 h after a failure.
 */
export function createCliWork(deps: CliWorkDeps): WorkHook {
  return async (work) => {
    const { agent } = work
    const item = work.item.get()
    const log = deps.log.child({ agent: agent.slug, item: `${item.repository}#${item.number}`, run: work.runId })
    const spec = deps.runtimes[agent.runtime]
    const ctx = createToolContext(deps, { ...work, log })
    if (!spec) {
      // The roster loader refuses such a roster; this is a runtime removed from GAFFER_RUNTIMES since.
      await ctx.setStatus(
        'block',
        `${agent.name} names the runtime "${agent.runtime}", which this Gaffer does not define; add it to GAFFER_RUNTIMES or change runtime: in its AGENTS.md.`,
      )
      return { tokens: 0, costUsd: 0 }
    }
    // A reviewer on a pull request reviews its head instead of writing code (SPEC §14).
    const review =
      agent.role === 'reviewer' && item.kind === 'pull' ? await loadPullRequestView(work.octokit, item.repository, item.number) : undefined
    if (agent.role === 'reviewer' && item.kind === 'pull' && !review) {
      await ctx.setStatus('block', `${item.repository} has no pull request #${item.number} to review.`)
      return { tokens: 0, costUsd: 0 }
    }
    const branch = review ? review.headRef : `gaffer/${agent.slug}/${item.number}`
    const base = (await getRepository(deps.pool, item.repository))?.default_branch ?? 'main'
    const prompt = await buildPrompt(deps, ctx, work, { branch, adapter: spec.adapter, review })
    const workspace = await deps.workspace.prepareWorkspace({ ...deps.checkout, pool: deps.pool, log, home: deps.home }, work.octokit, {
      repository: item.repository,
      branch,
      base,
      purpose: review ? 'review' : 'work',
      run: work.runId,
    })
    let ok = false
    try {
      const started = deps.now().getTime()
      const progress = createProgressComment(deps, ctx, { agentName: agent.name, runtime: agent.runtime, started, log })
      const transcriptId = await startCliTranscript(deps.pool, {
        runId: work.runId,
        repository: item.repository,
        number: item.number,
        agent: agent.slug,
        runtime: agent.runtime,
        adapter: spec.adapter,
      })
      const result = await runCli(
        { ...spec, sandbox: deps.sandbox },
        {
          cwd: workspace.dir,
          prompt,
          env: deps.hostEnv,
          signal: work.signal,
          timeoutMs: spec.timeoutMinutes * 60_000,
          onEvent: progress.onEvent,
        },
      )
      const minutes = (deps.now().getTime() - started) / 60_000
      const charge = chargeFor(deps, spec.model ?? agent.model, result.usage, minutes)
      const report = cleanOutput(result.report, { maxChars: MAX_REPORT_CHARS })
      const outcome = await settle(deps, ctx, work, { workspace, result, report, review })
      ok = outcome === 'published' || outcome === 'reviewed' || outcome === 'done' || outcome === 'blocked'
      await finishCliTranscript(deps.pool, transcriptId, {
        exitCode: result.exitCode,
        sandboxed: result.sandboxed,
        killed: result.killed,
        outcome,
        inputTokens: result.usage?.inputTokens ?? 0,
        outputTokens: result.usage?.outputTokens ?? 0,
        costUsd: charge.costUsd,
        report: result.report,
        transcript: result.transcript,
      })
      await progress.finish({ state: outcome, usage: result.usage, report: report || undefined })
      await chargeBudget(deps, ctx, charge.costUsd, log)
      log.info({ outcome, exitCode: result.exitCode, killed: result.killed, sandboxed: result.sandboxed, ...charge }, 'CLI run finished')
      return charge
    } finally {
      await workspace
        .finish(ok ? 'ok' : 'failed')
        .catch((error: unknown) => log.error({ err: error, dir: workspace.dir }, 'could not finish the workspace'))
    }
  }
}

type Outcome = Exclude<CliProgress['state'], 'running'>

async function settle(
  deps: CliWorkDeps,
  ctx: ToolContext,
  work: WorkContext,
  run: { workspace: Workspace; result: CliResult; report: string; review: PullRequestView | undefined },
): Promise<Outcome> {
  const { workspace, result, report, review } = run
  const item = ctx.item()
  if (result.killed === 'aborted') return 'stopped'
  if (result.killed === 'timeout') {
    await tripCircuitBreaker(
      deps,
      work,
      new CliFailure(`the ${ctx.agent.runtime} CLI ran past its ${deps.runtimes[ctx.agent.runtime]!.timeoutMinutes} min timeout and was killed`),
    )
    return 'timed out'
  }
  if (review) {
    const reviewed = await settleReview(deps, ctx, { view: review, result, checkedOut: workspace.baseSha })
    if (reviewed !== 'exit') return reviewed
    return cliFailed(deps, ctx, work, result)
  }
  const changes = await deps.workspace.collectChanges(workspace)
  if (changes.files.length > 0) {
    const refused = changes.refused.length > 0 ? `\n\nNot published:\n${changes.refused.map((r) => `- \`${r.path}\`: ${r.reason}`).join('\n')}` : ''
    await deps.workspace.publishChanges(ctx, workspace, {
      title: cleanOutput(item.title, { maxChars: 200 }),
      body: `${report || `${ctx.agent.name} made these changes on the ${ctx.agent.runtime} runtime.`}${refused}`,
      files: changes.files,
    })
    await clearFailures(deps.pool, item.repository, item.number)
    return 'published'
  }
  const blocked =
    result.exitCode === 2 ? report || 'the CLI exited 2 (blocked) without a reason' : result.exitCode === 0 ? blockedReason(report) : undefined
  if (blocked !== undefined) {
    await ctx.setStatus('block', blocked)
    await clearFailures(deps.pool, item.repository, item.number)
    return 'blocked'
  }
  if (result.exitCode === 0) {
    await ctx.setStatus('finish')
    await clearFailures(deps.pool, item.repository, item.number)
    return 'done'
  }
  return cliFailed(deps, ctx, work, result)
}

/** A CLI that ended with a failing exit code: audited, and counted toward the circuit breaker. */
async function cliFailed(deps: CliWorkDeps, ctx: ToolContext, work: WorkContext, result: CliResult): Promise<Outcome> {
  const item = ctx.item()
  await appendAudit(deps.pool, {
    actor: ctx.agent.slug,
    action: 'cli_run',
    repository: item.repository,
    target: item.number,
    outcome: 'failed',
    detail: { exitCode: result.exitCode },
  })
  await tripCircuitBreaker(deps, work, new CliFailure(`the ${ctx.agent.runtime} CLI exited with code ${result.exitCode}`))
  return 'failed'
}

async function buildPrompt(
  deps: CliWorkDeps,
  ctx: ToolContext,
  work: WorkContext,
  input: { branch: string; adapter: string; review: PullRequestView | undefined },
): Promise<string> {
  const context = await loadItemContext({
    pool: deps.pool,
    octokit: work.octokit,
    item: ctx.item(),
    botLogin: deps.botLogin(),
    permissionOf: deps.permissionOf,
    commentAccess: deps.settings.get(ctx.repository).commentAccess,
  })
  return [
    systemPrompt({ agent: ctx.agent, roster: ctx.roster, repository: ctx.repository, goalChain: context.goalChain, owners: ctx.owners }),
    input.review
      ? cliReviewInstructions({ number: input.review.number, headRef: input.review.headRef, headSha: input.review.headSha })
      : cliInstructions(input),
    itemMessage({ item: ctx.item(), comments: context.comments, children: context.children }),
    ...(input.review ? [pullRequestText(input.review)] : []),
  ].join('\n\n')
}

/**
 * What the run costs: the CLI's own dollar figure, else its tokens at the price table's
 * rate, else (a CLI that reports no usage) its minutes at GAFFER_CLI_USD_PER_MINUTE.
 */
export function chargeFor(
  deps: { prices: Record<string, Price>; usdPerMinute: number },
  model: string | undefined,
  usage: CliUsage | undefined,
  minutes: number,
): WorkResult {
  if (!usage) return { tokens: 0, costUsd: minutes * deps.usdPerMinute }
  const tokens = usage.inputTokens + usage.outputTokens
  const priced =
    model === undefined ? undefined : costOf(deps.prices, model, { promptTokens: usage.inputTokens, completionTokens: usage.outputTokens })
  return { tokens, costUsd: usage.costUsd ?? priced ?? 0 }
}

/** The item's one progress comment, edited as the CLI works at most once per interval, and once more at the end. */
function createProgressComment(deps: CliWorkDeps, ctx: ToolContext, input: { agentName: string; runtime: string; started: number; log: Logger }) {
  const interval = deps.progressIntervalMs ?? 30_000
  const steps: string[] = []
  let usage: CliUsage | undefined
  let lastPost = Number.NEGATIVE_INFINITY
  let posting: Promise<void> = Promise.resolve()
  const post = (progress: Pick<CliProgress, 'state' | 'usage' | 'report'>) => {
    const body = cleanOutput(
      cliProgressText({ agentName: input.agentName, runtime: input.runtime, elapsedMs: deps.now().getTime() - input.started, steps, ...progress }),
      { maxChars: MAX_REPORT_CHARS + 4_000 },
    )
    posting = posting
      .then(() =>
        upsertMarkedComment(ctx.octokit, ctx.botLogin(), ctx.item(), { kind: 'progress', agent: ctx.agent.slug, run: String(ctx.runId) }, body),
      )
      .catch((error: unknown) => input.log.warn({ err: error }, 'could not update the progress comment'))
  }
  return {
    onEvent(event: Parameters<Parameters<typeof runCli>[1]['onEvent']>[0]) {
      if (event.kind === 'progress' || event.kind === 'error') steps.push(event.kind === 'error' ? `error: ${event.text}` : event.text)
      if (event.kind === 'usage') usage = event
      const now = deps.now().getTime()
      if (now - lastPost < interval) return
      lastPost = now
      post({ state: 'running', usage })
    },
    async finish(progress: Pick<CliProgress, 'state' | 'usage' | 'report'>) {
      await posting
      post(progress)
      await posting
    },
  }
}
