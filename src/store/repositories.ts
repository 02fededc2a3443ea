import type { Pool, Queryable } from './pool.ts'

export type Repository = {
  full_name: string
  installation_id: number
  default_branch: string
  active: boolean
  roster_source: 'shipped' | 'repository'
  roster_error: string | null
  /** The quality gate's settings; null means the defaults. */
  quality_threshold: number | null
  required_approvals: number | null
  /** The last valid settings resolved from `.github/gaffer.yml`; null: the environment's. */
  settings: unknown
  settings_source: 'environment' | 'repository'
  settings_error: string | null
}

export async function upsertRepository(pool: Pool, repo: { fullName: string; installationId: number; defaultBranch: string }): Promise<void> {
  await pool.query(
    `insert into repositories (full_name, installation_id, default_branch) values ($1, $2, $3)
     on conflict (full_name) do update set installation_id = excluded.installation_id,
       default_branch = excluded.default_branch, active = true, updated_at = now()`,
    [repo.fullName, repo.installationId, repo.defaultBranch],
  )
}

export async function deactivateRepositories(pool: Pool, fullNames: string[]): Promise<void> {
  await pool.query('update repositories set active = false, updated_at = now() where full_name = any($1)', [fullNames])
}

export async function deactivateInstallation(pool: Pool, installationId: number): Promise<void> {
  await pool.query('update repositories set active = false, updated_at = now() where installation_id = $1', [installationId])
}

export async function getRepository(pool: Queryable, fullName: string): Promise<Repository | undefined> {
  const result = await pool.query<Repository>('select * from repositories where full_name = $1', [fullName])
  return result.rows[0]
}

export async function setRosterState(pool: Pool, fullName: string, state: { source: 'shipped' | 'repository'; error: string | null }): Promise<void> {
  await pool.query('update repositories set roster_source = $2, roster_error = $3, updated_at = now() where full_name = $1', [
    fullName,
    state.source,
    state.error,
  ])
}

/**
 * Records a settings load: `settings` (with the gate's two numbers copied where the quality
 * SQL reads them) when one was accepted, and the problems of a rejected one, which leave
 * the stored settings as they were.
 */
export async function setSettingsState(
  pool: Pool,
  fullName: string,
  state:
    | { accepted: { source: 'environment' | 'repository'; settings: { qualityThreshold: number; requiredApprovals: number } | null } }
    | { error: string },
): Promise<void> {
  if ('error' in state) {
    await pool.query('update repositories set settings_error = $2, updated_at = now() where full_name = $1', [fullName, state.error])
    return
  }
  const { source, settings } = state.accepted
  await pool.query(
    `update repositories set settings = $2, settings_source = $3, settings_error = null,
       quality_threshold = $4, required_approvals = $5, updated_at = now() where full_name = $1`,
    [fullName, settings === null ? null : JSON.stringify(settings), source, settings?.qualityThreshold ?? null, settings?.requiredApprovals ?? null],
  )
}

export async function markReconciled(pool: Pool, fullName: string): Promise<void> {
  await pool.query('update repositories set reconciled_at = now() where full_name = $1', [fullName])
}

/** The repositories the app serves now, by name. */
export async function listActiveRepositoryNames(pool: Pool): Promise<string[]> {
  const { rows } = await pool.query<{ full_name: string }>('select full_name from repositories where active order by full_name')
  return rows.map((row) => row.full_name)
}

/** The active repositories of one owner (user or organization), with their default branches. */
export async function listActiveRepositoriesOf(pool: Pool, owner: string): Promise<{ fullName: string; defaultBranch: string }[]> {
  const { rows } = await pool.query<{ fullName: string; defaultBranch: string }>(
    `select full_name as "fullName", default_branch as "defaultBranch" from repositories
     where active and lower(split_part(full_name, '/', 1)) = lower($1) order by full_name`,
    [owner],
  )
  return rows
}

export type RepositoryRow = {
  repository: string
  installationId: number
  defaultBranch: string
  active: boolean
  rosterSource: 'shipped' | 'repository'
  rosterError: string | null
  settingsSource: 'environment' | 'repository'
  settingsError: string | null
  reconciledAt: Date | null
}

/** Every repository the mirror knows, active or not, as the state API lists them. */
export async function listRepositoryRows(pool: Pool): Promise<RepositoryRow[]> {
  const { rows } = await pool.query<RepositoryRow>(
    `select full_name as repository, installation_id as "installationId", default_branch as "defaultBranch",
            active, roster_source as "rosterSource", roster_error as "rosterError",
            settings_source as "settingsSource", settings_error as "settingsError", reconciled_at as "reconciledAt"
     from repositories order by full_name`,
  )
  return rows
}
