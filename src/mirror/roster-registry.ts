import type { Logger } from '../log.ts'
import { readRepositoryAgents } from '../github/read-repository-agents.ts'
import type { Octokit } from '../github/octokit.ts'
import { buildRoster, formatProblems } from '../roster/load-roster.ts'
import type { Roster } from '../roster/roster.ts'
import { syncAgents } from '../store/agents.ts'
import { appendAudit } from '../store/audit-log.ts'
import type { Pool } from '../store/pool.ts'
import { setRosterState } from '../store/repositories.ts'

export type RosterRegistry = {
  /** The repository's roster: its own `.github/agents` when valid, else the shipped org. */
  get(repository: string): Roster
  /** Re-reads the repository's agents from its default branch. An invalid set keeps the last valid roster. */
  reload(octokit: Octokit, repository: { fullName: string; defaultBranch: string }): Promise<Roster>
  /** Tells `listener` each time a repository's roster is (re)loaded, e.g. to re-register heartbeats. */
  watch(listener: (repository: string, roster: Roster) => void): void
}

export function createRosterRegistry(deps: {
  pool: Pool
  log: Logger
  shipped: Roster
  /** The CLI runtimes the operator defined: a roster naming another is rejected. */
  runtimes?: readonly string[]
}): RosterRegistry {
  const rosters = new Map<string, Roster>()
  const listeners: ((repository: string, roster: Roster) => void)[] = []
  const use = (repository: string, roster: Roster) => {
    rosters.set(repository, roster)
    listeners.forEach((listener) => listener(repository, roster))
  }
  return {
    watch(listener) {
      listeners.push(listener)
    },
    get: (repository) => rosters.get(repository) ?? deps.shipped,
    async reload(octokit, { fullName, defaultBranch }) {
      const sources = await readRepositoryAgents(octokit, fullName, defaultBranch)
      const current = rosters.get(fullName) ?? deps.shipped
      if (sources === undefined) {
        use(fullName, deps.shipped)
        await setRosterState(deps.pool, fullName, { source: 'shipped', error: null })
        await syncAgents(deps.pool, fullName, deps.shipped)
        return deps.shipped
      }
      const result = buildRoster(sources, { runtimes: deps.runtimes ?? [] })
      if (result.roster === undefined) {
        const error = formatProblems(result.problems)
        deps.log.error({ repository: fullName, problems: result.problems }, 'rejected the repository roster; keeping the last valid one')
        await setRosterState(deps.pool, fullName, { source: current === deps.shipped ? 'shipped' : 'repository', error })
        await appendAudit(deps.pool, {
          actor: 'gaffer',
          action: 'roster.reload',
          repository: fullName,
          outcome: 'rejected',
          detail: { problems: result.problems },
        })
        if (!rosters.has(fullName)) use(fullName, current)
        return current
      }
      use(fullName, result.roster)
      await setRosterState(deps.pool, fullName, { source: 'repository', error: null })
      await syncAgents(deps.pool, fullName, result.roster)
      return result.roster
    },
  }
}
