import type { Roster } from '../roster/roster.ts'
import { agentConfigHash } from '../roster/roster.ts'
import type { Pool } from './pool.ts'

/** Mirrors a repository's roster into `agents`, keeping each agent's pause flag and spend. */
export async function syncAgents(pool: Pool, repository: string, roster: Roster): Promise<void> {
  const client = await pool.connect()
  try {
    await client.query('begin')
    for (const agent of roster.agents) {
      await client.query(
        `insert into agents (repository, slug, name, role, reports_to, config_hash) values ($1, $2, $3, $4, $5, $6)
         on conflict (repository, slug) do update set name = excluded.name, role = excluded.role,
           reports_to = excluded.reports_to, config_hash = excluded.config_hash, updated_at = now()`,
        [repository, agent.slug, agent.name, agent.role, agent.reportsTo ?? null, agentConfigHash(agent)],
      )
    }
    await client.query('delete from agents where repository = $1 and not (slug = any($2))', [
      repository,
      roster.agents.map((agent) => agent.slug),
    ])
    await client.query('commit')
  } catch (error) {
    await client.query('rollback')
    throw error
  } finally {
    client.release()
  }
}

/** Pauses or resumes one agent, or every agent of the repository without a slug; returns how many rows changed. */
export async function setAgentsPaused(
  pool: Pool,
  repository: string,
  change: { slug: string | undefined; paused: boolean; reason: string },
): Promise<number> {
  const { rowCount } = await pool.query(
    `update agents set paused = $3, paused_reason = case when $3 then $4 else null end
     where repository = $1 and ($2::text is null or slug = $2)`,
    [repository, change.slug ?? null, change.paused, change.reason],
  )
  return rowCount ?? 0
}
