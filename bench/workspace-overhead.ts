import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { ProbotOctokit } from 'probot'
import { fallbackSettings } from '../src/config/fallback-settings.ts'
import { defaultSettings } from '../src/gaffer-options.ts'
import { createPermissionCache } from '../src/github/permissions.ts'
import type { WorkContext } from '../src/heartbeat/heartbeat.ts'
import { createLogger } from '../src/log.ts'
import { loadRosterDir, shippedAgentsDir } from '../src/roster/load-roster.ts'
import { submitChange } from '../src/runtime/submit-change.ts'
import { createToolContext } from '../src/runtime/tool.ts'
import { createPool } from '../src/store/pool.ts'
import { collectChanges } from '../src/workspace/collect-changes.ts'
import { prepareWorkspace } from '../src/workspace/prepare-workspace.ts'
import { publishChanges } from '../src/workspace/publish-changes.ts'
import { startBenchReplica } from './replica.ts'
import { percentile, sortedCopy, type Row } from './stats.ts'

const RUNS = 10

/**
 * What a CLI run costs besides the CLI itself — checkout (Git Data API, as on the emulated
 * GitHub), reading the change, commit and pull request — against `propose_change`'s path
 * (the same commit and pull request from files the model wrote), median of 10 runs each,
 * each on its own item claimed by a real heartbeat.
 */
export async function benchWorkspaceOverhead(databaseUrl: string): Promise<Row[]> {
  const log = createLogger('silent')
  const pool = createPool(databaseUrl)
  const home = await mkdtemp(path.join(tmpdir(), 'gaffer-bench-workspaces-'))
  const loaded = await loadRosterDir(shippedAgentsDir)
  if (!loaded.roster) throw new Error('the shipped roster does not load')
  const roster = loaded.roster
  const timings = { workspace: [] as number[], propose: [] as number[] }
  let mode: 'workspace' | 'propose' = 'workspace'
  const file = (n: number) => ({ path: `lib/change-${n}.js`, content: `export const n = ${n}\n` })
  let failure: unknown
  const work = async (context: WorkContext) => {
    try {
      return await workOne(context)
    } catch (error) {
      failure ??= error
      throw error
    }
  }
  const workOne = async (context: WorkContext) => {
    const ctx = createToolContext(
      {
        pool,
        log,
        rosters: { get: () => roster },
        settings: { get: () => fallbackSettings({}) },
        permissionOf: createPermissionCache(),
        now: () => new Date(),
        botLogin: () => 'gaffer[bot]',
        leaseMs: defaultSettings.leaseMs,
      },
      { ...context, log },
    )
    const n = context.item.get().number
    const branch = `gaffer/${context.agent.slug}/${n}`
    const started = performance.now()
    if (mode === 'propose') {
      await submitChange(ctx, { branch, title: `Change ${n}`, body: 'A change.', files: [file(n)], likelyNew: true })
    } else {
      const workspace = await prepareWorkspace({ pool, log, home, gitTransport: 'api' }, context.octokit, {
        repository: ctx.repository,
        branch,
        base: 'main',
        purpose: 'work',
        run: context.runId,
      })
      await writeFile(path.join(workspace.dir, file(n).path), file(n).content)
      const changes = await collectChanges(workspace)
      await publishChanges(ctx, workspace, { title: `Change ${n}`, body: 'A change.', files: changes.files })
      await workspace.finish('ok')
    }
    timings[mode].push(performance.now() - started)
    return { tokens: 0, costUsd: 0 }
  }
  // Without the 1 s spacing between content writes (GitHub's secondary limit), which would hide the difference.
  const replica = await startBenchReplica({ pool, Octokit: ProbotOctokit, work, settings: { writeSpacingMs: 0 } })
  const { github, gaffer, owner, repo, maya } = replica
  try {
    // A repository with some files to check out.
    for (let i = 0; i < 20; i += 1) {
      await maya.repos.createOrUpdateFileContents({
        owner,
        repo,
        path: `lib/module-${i}.js`,
        message: `module ${i}`,
        content: Buffer.from(`export const m${i} = ${i}\n`).toString('base64'),
      })
    }
    const statusOf = async (number: number) =>
      (
        await pool.query<{ status: string | null }>('select status from work_items where repository = $1 and number = $2', [
          github.repository,
          number,
        ])
      ).rows[0]?.status
    for (const current of ['propose', 'workspace'] as const) {
      mode = current
      for (let i = 0; i < RUNS; i += 1) {
        const number = (await maya.issues.create({ owner, repo, title: `Task ${current} ${i}`, labels: ['agent:backend-engineer'] })).data.number
        for (let tries = 0; tries < 200 && (await statusOf(number)) !== 'todo'; tries += 1) await new Promise((r) => setTimeout(r, 50))
        await gaffer.heartbeats.runNow(github.repository, 'backend-engineer')
      }
    }
  } finally {
    await replica.stop()
    await pool.end()
    await rm(home, { recursive: true, force: true })
  }
  if (failure !== undefined) throw failure
  if (timings.workspace.length !== RUNS || timings.propose.length !== RUNS) {
    throw new Error(`expected ${RUNS} runs of each path, got ${timings.workspace.length} workspace and ${timings.propose.length} propose_change runs`)
  }
  const median = (values: number[]) => `${Math.round(percentile(sortedCopy(values), 50))} ms`
  return [
    {
      measure: 'CLI run overhead (checkout + collect + commit + PR), p50',
      gaffer: median(timings.workspace),
      baseline: median(timings.propose),
      note: `median of ${RUNS} runs on a 23-file repository, the CLI's own time and the 1 s write spacing excluded; checkout through the Git Data API (no git transport on the emulated GitHub); baseline: propose_change's commit + PR from the same file`,
    },
  ]
}
