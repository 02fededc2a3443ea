import type { DelegationCounts } from '../company/fuses.ts'
import type { Pool } from './pool.ts'

/**
 * The child an agent already opened under this parent with this title, so a retried
 * run reuses it instead of opening a second one.
 */
export async function findDelegatedChild(
  pool: Pool,
  child: { repository: string; parent: number; title: string; agent: string },
): Promise<number | undefined> {
  const { rows } = await pool.query<{ number: number }>(
    'select number from work_items where repository = $1 and parent_number = $2 and title = $3 and created_by_agent = $4 order by number limit 1',
    [child.repository, child.parent, child.title, child.agent],
  )
  return rows[0]?.number
}

/**
 * What the delegation fuses (SPEC §7) count: the parent's children, the issues this agent
 * opened in the hour before `now`, and the company's open agent-created issues. Only
 * provenance the app vouched for is counted, so issues others open cannot blow a fuse.
 */
export async function countDelegations(
  pool: Pool,
  at: { repository: string; parent: number; agent: string; now: Date },
): Promise<Omit<DelegationCounts, 'childDepth'>> {
  const { rows } = await pool.query<Omit<DelegationCounts, 'childDepth'>>(
    `select (select count(*)::int from work_items where repository = $1 and parent_number = $2) as "children",
            (select count(*)::int from work_items where repository = $1 and created_by_agent = $3
               and github_created_at > $4::timestamptz - interval '1 hour') as "createdLastHour",
            (select count(*)::int from work_items where repository = $1 and created_by_agent is not null and state = 'open') as "openAgentIssues"`,
    [at.repository, at.parent, at.agent, at.now],
  )
  return rows[0] ?? { children: 0, createdLastHour: 0, openAgentIssues: 0 }
}
