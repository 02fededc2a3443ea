import { createHash } from 'node:crypto'
import type { Agent } from './schema.ts'

/** A validated org chart: one CEO, every chain ending at it, each label routed to one agent. */
export type Roster = {
  readonly agents: readonly Agent[]
  readonly ceo: Agent
  get(slug: string): Agent | undefined
  reportsOf(slug: string): Agent[]
  managerOf(slug: string): Agent | undefined
  /** The agent whose `handles` contains this label. */
  handlerOf(label: string): Agent | undefined
}

/** Builds lookups over agents that already passed `validateRoster`. */
export function createRoster(agents: readonly Agent[]): Roster {
  const bySlug = new Map(agents.map((agent) => [agent.slug, agent]))
  const byLabel = new Map(agents.flatMap((agent) => agent.handles.map((label) => [label, agent] as const)))
  const ceo = agents.find((agent) => agent.role === 'ceo')
  if (!ceo) throw new Error('a roster needs a CEO; validate it before building it')
  return {
    agents,
    ceo,
    get: (slug) => bySlug.get(slug),
    reportsOf: (slug) => agents.filter((agent) => agent.reportsTo === slug),
    managerOf: (slug) => {
      const reportsTo = bySlug.get(slug)?.reportsTo
      return reportsTo === undefined ? undefined : bySlug.get(reportsTo)
    },
    handlerOf: (label) => byLabel.get(label),
  }
}

/** A stable hash of one agent's definition, stored in `agents.config_hash`. */
export function agentConfigHash(agent: Agent): string {
  const { file, ...definition } = agent
  return createHash('sha256').update(JSON.stringify(definition)).digest('hex').slice(0, 16)
}
