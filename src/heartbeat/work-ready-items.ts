import { claimsToGiveBack, type RankedItem } from '../company/claims-to-give-back.ts'
import { priorityIn } from '../company/labels.ts'
import type { Octokit } from '../github/octokit.ts'
import type { Logger } from '../log.ts'
import type { Agent } from '../roster/schema.ts'
import { bestReadyItems, claimReady, handBackClaim, type ClaimBudget, type Lease, type ReadyItem } from '../store/claims.ts'
import { startItemRuns } from '../store/item-runs.ts'
import type { WorkItem } from '../store/work-items.ts'
import type { HeartbeatDeps } from './heartbeat.ts'
import { workClaimedItem, type HeldWork } from './work-claimed-item.ts'

/** What a heartbeat's claims came to: items worked (given-back ones apart), their spend, the first error, every item claimed. */
export type WorkedItems = { items: number; tokens: number; costUsd: number; error?: string; tried: number[]; givenBack: number[] }

export type ReadyRun = {
  agent: Agent
  repository: string
  runId: number
  started: number
  /** The ready items the heartbeat confirmed before its first claim, best first. */
  ready: ReadyItem[]
  /** Reads and confirms the ready items again before a later claim; undefined when the agent may claim nothing now (paused). */
  confirmReady: (want: number, skip: readonly number[]) => Promise<ReadyItem[] | undefined>
  octokit: Octokit
  log: Logger
}

/**
 * Claims up to maxConcurrent of the agent's ready items and works them at the same time.
 * Before each claim it takes slots from the process (GAFFER_MAX_PARALLEL, the per-model
 * cap), waiting its turn by the priority of its best ready item, and claims as many items
 * as it got slots (and as the agent's budget reservation allows) in one statement. Each
 * item is worked on its own: one failing does not stop the others, and a stop reaches
 * every one of them.
 *
 * While any of its claims waits for quota, it looks for better ready work every
 * `betterWorkCheckMs` (SPEC §17: p0 never waits behind p3): ready items take the agent's
 * free slots, and a waiting claim that is safe to redo is given back, without counting an
 * attempt, for a ready item ranked well above it (`claimsToGiveBack`); the better item is
 * claimed into its slot at once. A given-back item is not claimed again by the same
 * heartbeat. Returns when every claim has ended.
 */
export async function workReadyItems(deps: HeartbeatDeps, run: ReadyRun): Promise<WorkedItems> {
  const { agent, repository } = run
  const result: WorkedItems = { items: 0, tokens: 0, costUsd: 0, tried: [], givenBack: [] }
  const lease: Lease = { runId: run.runId, leaseMs: deps.leaseMs }
  const model = deps.modelOf?.(agent) ?? agent.model ?? agent.runtime
  const monthlyUsd = agent.budget.monthlyUsd
  const budget: ClaimBudget | undefined = monthlyUsd === undefined ? undefined : { monthlyUsd, reserveUsd: deps.reserveFor?.(agent) ?? 0 }
  // Waiting for a slot ends with the heartbeat's time budget, or at once on a stop.
  const remaining = Math.max(0, run.started + deps.timeBudgetMs - deps.now().getTime())
  const waiting = AbortSignal.any([AbortSignal.timeout(remaining), ...(deps.stopSignal ? [deps.stopSignal] : [])])
  const working = new Set<Promise<void>>()
  const held = new Map<number, HeldWork>()
  const fail = (error: string) => {
    result.error ??= error
  }
  let ready = run.ready
  // Whether a ready item may be waiting for a free slot: false once a claim found fewer than it asked for.
  let more = true
  // A claim whose run record could not be opened stops this heartbeat's claiming for good.
  let claiming = true
  // Resolved when a claim ends or frees its slot, or better work is found for a free one.
  let changed = Promise.withResolvers<void>()

  /** Claims into the agent's free slots while items are ready. */
  async function claimFree(): Promise<void> {
    while (result.items < agent.maxConcurrent && !waiting.aborted) {
      const next = ready.find((item) => !result.tried.includes(item.number))
      const wanted = agent.maxConcurrent - result.items
      const granted = deps.slots ? await deps.slots.acquire({ model, count: wanted, priority: next?.priority_score ?? 0, signal: waiting }) : wanted
      if (granted === 0) return
      let claimed: WorkItem[] = []
      try {
        claimed = await claimReady(deps.pool, { repository, agent: agent.slug, skip: result.tried }, lease, { count: granted, budget })
      } finally {
        deps.slots?.release(model, granted - claimed.length)
      }
      if (claimed.length > 0 && !(await recordStarts(deps, run, claimed, fail))) {
        deps.slots?.release(model, claimed.length)
        claiming = false
        return
      }
      for (const item of claimed) start(item)
      // Fewer than asked: nothing more is ready, or the budget allows no more.
      if (claimed.length < granted) {
        more = false
        return
      }
    }
  }

  function start(item: WorkItem): void {
    deps.metrics?.claim(repository, agent.slug)
    result.tried.push(item.number)
    result.items += 1
    const giveBack = new AbortController()
    let holding = true
    const work: HeldWork = {
      item,
      watch: { waiting: 0, writes: 0, signal: giveBack.signal },
      giveBack,
      released(givenBack = false) {
        if (!holding) return
        holding = false
        held.delete(item.number)
        deps.slots?.release(model, 1)
        if (givenBack) {
          result.items -= 1
          result.givenBack.push(item.number)
          more = true
        }
        changed.resolve()
      },
    }
    held.set(item.number, work)
    const task = workClaimedItem(deps, { agent, item, octokit: run.octokit, lease, log: run.log, held: work })
      .then(
        (worked) => {
          result.tokens += worked.tokens
          result.costUsd += worked.costUsd
          if (worked.error !== undefined) fail(worked.error)
        },
        (error: unknown) => {
          run.log.error({ err: error, item: `${repository}#${item.number}` }, 'work on an item failed')
          fail((error as Error).message)
        },
      )
      .finally(() => {
        working.delete(task)
        changed.resolve()
      })
    working.add(task)
  }

  let looking = false
  /** Compares the claims waiting for quota with the agent's best ready items, and gives back those better work should have. */
  async function lookForBetterWork(): Promise<void> {
    const waitingForQuota = [...held.values()].filter((work) => work.watch.waiting > 0).length
    if (looking || waitingForQuota === 0 || waiting.aborted) return
    looking = true
    try {
      // Free slots and claims to give back are at most maxConcurrent together.
      const better = (await bestReadyItems(deps.pool, { repository, agent: agent.slug, skip: result.tried }, agent.maxConcurrent)).map(ranked)
      // Decided on the claims as they are now, with no await before acting: a claim whose waiting
      // write was granted meanwhile has counted it, and is no longer safe to redo. A claim already
      // being given back is a slot about to be free, not one to give back again.
      const staying = [...held.values()].filter((work) => !work.giveBack.signal.aborted)
      const freeSlots = agent.maxConcurrent - result.items + (held.size - staying.length)
      const claims = staying.map((work) => ({
        ...ranked(work.item),
        waitingForQuota: work.watch.waiting > 0,
        redoSafe: work.watch.writes === 0,
      }))
      const givingBack = claimsToGiveBack({ held: claims, ready: better, freeSlots })
      if (givingBack.length > 0) run.log.info({ items: givingBack, ready: better.map((item) => item.number) }, 'giving claims back for better work')
      for (const number of givingBack) held.get(number)?.giveBack.abort(new Error('given back for better work while it waited for quota'))
      if (freeSlots > 0 && better.length > 0) {
        more = true
        changed.resolve()
      }
    } catch (error) {
      run.log.warn({ err: error }, 'could not look for better work')
    } finally {
      looking = false
    }
  }

  const looker = deps.betterWorkCheckMs === undefined ? undefined : setInterval(() => void lookForBetterWork(), deps.betterWorkCheckMs)
  try {
    for (let round = 0; ; round += 1) {
      changed = Promise.withResolvers<void>()
      if (claiming && more && result.items < agent.maxConcurrent && !waiting.aborted) {
        // The first round claims what the heartbeat confirmed; a later one reads the queue again.
        const confirmed = round === 0 ? ready : await run.confirmReady(agent.maxConcurrent - result.items, result.tried)
        if (confirmed === undefined) more = false
        else {
          ready = confirmed
          await claimFree()
        }
      }
      if (working.size === 0) break
      await changed.promise
    }
  } finally {
    clearInterval(looker)
  }
  return result
}

function ranked(item: { number: number; priority_score: number; labels: readonly string[] }): RankedItem {
  return { number: item.number, priorityLabel: priorityIn(item.labels), score: item.priority_score }
}

/**
 * Opens the claimed items' run records before their work starts; if that fails, the
 * claims go back untouched (no attempt counted) and the heartbeat claims no more.
 */
async function recordStarts(
  deps: HeartbeatDeps,
  run: { agent: Agent; repository: string; runId: number; log: Logger },
  claimed: readonly WorkItem[],
  fail: (error: string) => void,
): Promise<boolean> {
  try {
    await startItemRuns(
      deps.pool,
      { runId: run.runId, repository: run.repository, agent: run.agent.slug },
      claimed.map((item) => item.number),
    )
    return true
  } catch (error) {
    run.log.error({ err: error }, 'could not record the start of claimed items; handing them back')
    fail((error as Error).message)
    for (const item of claimed) await handBackClaim(deps.pool, run.repository, item.number, run.runId).catch(() => false)
    return false
  }
}
