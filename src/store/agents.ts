import type { Roster } from '../roster/roster.ts'
import { agentConfigHash } from '../roster/roster.ts'
import { withTransaction, type Pool } from './pool.ts'

/** Mirrors a repository's roster into `agents`, keeping each agent's pause flag and spend. */
export async function syncAgents(pool: Pool, repository: string, roster: Roster): Promise<void> {
  await withTransaction(pool, async (client) => {
    for (const agent of roster.agents) {
      await client.query(
        `insert into agents (repository, slug, name, role, reports_to, config_hash) values ($1, $2, $3, $4, $5, $6)
         on conflict (repository, slug) do update set name = excluded.name, role = excluded.role,
           reports_to = excluded.reports_to, config_hash = excluded.config_hash, updated_at = now()`,
        [repository, agent.slug, agent.name, agent.role, agent.reportsTo ?? null, agentConfigHash(agent)],
      )
    }
    await client.query('delete from agents where repository = $1 and not (slug = any($2))', [repository, roster.agents.map((agent) => agent.slug)])
  })
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

export type AgentRow = {
  repository: string
  slug: string
  name: string
  role: string
  reportsTo: string | null
  paused: boolean
  pausedReason: string | null
  monthSpendUsd: number
  spendMonth: string | null
  budgetWarned: boolean
  lastOutcome: string | null
  lastRunAt: Date | null
}

/** Every agent of every repository with its pause, the month's spend and its newest heartbeat run. */
export async function listAgentRows(pool: Pool): Promise<AgentRow[]> {
  const { rows } = await pool.query<AgentRow>(
    `select a.repository, a.slug, a.name, a.role, a.reports_to as "reportsTo", a.paused, a.paused_reason as "pausedReason",
            a.month_spend_usd::float8 as "monthSpendUsd", a.spend_month as "spendMonth",
            a.budget_warned_month is not null and a.budget_warned_month = a.spend_month as "budgetWarned",
            r.outcome as "lastOutcome", r.started_at as "lastRunAt"
     from agents a
     left join lateral (select outcome, started_at from heartbeat_runs h
                        where h.repository = a.repository and h.agent = a.slug order by started_at desc limit 1) r on true
     order by a.repository, a.slug`,
  )
  return rows
}
