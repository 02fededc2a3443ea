import { SETTINGS_PATH, SettingsFile, type RepositorySettings } from '../config/repository-settings.ts'
import { resolveRepositorySettings, type SettingsProblem } from '../config/resolve-repository-settings.ts'
import type { Octokit } from '../github/octokit.ts'
import { readRepositorySettings } from '../github/read-repository-settings.ts'
import type { Logger } from '../log.ts'
import { formatProblems } from '../roster/load-roster.ts'
import { appendAudit } from '../store/audit-log.ts'
import type { Pool } from '../store/pool.ts'
import { getRepository, setSettingsState } from '../store/repositories.ts'

export type SettingsRegistry = {
  /** The repository's settings now: its last valid `.github/gaffer.yml` (and what it extends), else the environment's. */
  get(repository: string): RepositorySettings
  /**
   * Reads the repository's settings files again. Invalid ones keep the last valid settings
   * (this replica's, or the ones Postgres kept) and are recorded as the repository's
   * `settings_error`, as an invalid roster is.
   */
  reload(octokit: Octokit, repository: { fullName: string; defaultBranch: string }): Promise<RepositorySettings>
}

export function createSettingsRegistry(deps: {
  pool: Pool
  log: Logger
  /** The environment's settings: what a repository without a file, or a file's missing keys, falls back to. */
  fallback: RepositorySettings
  /** The operator's notification channels (GAFFER_NOTIFY), when known: other names are warned about. */
  channels?: readonly string[]
}): SettingsRegistry {
  const loaded = new Map<string, RepositorySettings>()
  const reject = async (fullName: string, problems: SettingsProblem[]): Promise<RepositorySettings> => {
    deps.log.error({ repository: fullName, problems }, 'rejected the repository settings; keeping the last valid ones')
    await setSettingsState(deps.pool, fullName, { error: formatProblems(problems) })
    await appendAudit(deps.pool, { actor: 'gaffer', action: 'settings.reload', repository: fullName, outcome: 'rejected', detail: { problems } })
    const kept = loaded.get(fullName) ?? (await storedSettings(deps.pool, fullName, deps.fallback))
    loaded.set(fullName, kept)
    return kept
  }
  return {
    get: (repository) => loaded.get(repository) ?? deps.fallback,
    async reload(octokit, { fullName, defaultBranch }) {
      const read = await readRepositorySettings(octokit, fullName, defaultBranch)
      if ('unreadable' in read) return reject(fullName, [{ file: `${fullName}:${SETTINGS_PATH}`, ...read.unreadable }])
      if (read.sources.length === 0) {
        loaded.set(fullName, deps.fallback)
        await setSettingsState(deps.pool, fullName, { accepted: { source: 'environment', settings: null } })
        return deps.fallback
      }
      const result = resolveRepositorySettings(read.sources, deps.fallback, deps.channels ? { channels: deps.channels } : {})
      if (result.warnings.length > 0) deps.log.warn({ repository: fullName, warnings: result.warnings }, 'repository settings name unknown channels')
      if (result.settings === undefined) return reject(fullName, result.problems)
      loaded.set(fullName, result.settings)
      await setSettingsState(deps.pool, fullName, { accepted: { source: 'repository', settings: result.settings } })
      return result.settings
    },
  }
}

/**
 * The settings Postgres kept from the last valid load (another replica's, or this one's
 * before a restart), over today's fallback; the fallback when none were kept.
 */
async function storedSettings(pool: Pool, fullName: string, fallback: RepositorySettings): Promise<RepositorySettings> {
  const stored = (await getRepository(pool, fullName))?.settings
  if (stored === null || stored === undefined) return fallback
  const parsed = SettingsFile.omit({ _extends: true }).safeParse(stored)
  return resolveRepositorySettings([{ file: 'stored', data: parsed.success ? parsed.data : {} }], fallback).settings ?? fallback
}
