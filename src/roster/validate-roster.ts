import type { RosterProblem } from './parse-agent-file.ts'
import type { Agent } from './schema.ts'
import { isToolName, managerOnlyTools, reviewerTools, toolNames } from './tools.ts'

/** What the host allows that a roster cannot decide for itself. */
export type RosterOptions = {
  /** The CLI runtimes the operator defined; an agent may name only these or chat. */
  runtimes?: readonly string[]
}

/**
 * Checks the org-chart rules of SPEC §3 across all agents; returns every problem found.
 * `unparsed` names agents whose files failed to parse: rules that depend on them
 * (a manager that exists, who has reports, whether there is a CEO) are not judged
 * until those files are fixed, so no problem is reported that is only an echo of another.
 */
export function validateRoster(agents: readonly Agent[], unparsed: ReadonlySet<string> = new Set(), options: RosterOptions = {}): RosterProblem[] {
  const problems: RosterProblem[] = []
  const runtimes = ['chat', ...(options.runtimes ?? [])]
  for (const agent of agents) {
    if (!runtimes.includes(agent.runtime)) {
      problems.push({
        file: agent.file,
        field: 'runtime',
        message: `"${agent.runtime}" is not a runtime this Gaffer defines; use one of: ${runtimes.join(', ')} (the operator defines CLI runtimes in GAFFER_RUNTIMES)`,
      })
    }
  }
  const bySlug = new Map(agents.map((agent) => [agent.slug, agent]))
  const slugs = [...bySlug.keys()].sort()

  const ceos = agents.filter((agent) => agent.role === 'ceo')
  if (ceos.length === 0 && unparsed.size === 0) {
    problems.push({
      file: '(roster)',
      field: 'role',
      message: 'no agent has role: ceo; exactly one agent must be the CEO at the top of the chart',
    })
  }
  for (const extra of ceos.slice(1)) {
    problems.push({
      file: extra.file,
      field: 'role',
      message: `a second CEO (${ceos[0]!.slug} is already the CEO); give this agent another role and a reportsTo`,
    })
  }

  for (const agent of agents) {
    if (agent.role === 'ceo') {
      if (agent.reportsTo !== undefined) {
        problems.push({ file: agent.file, field: 'reportsTo', message: 'the CEO reports to no agent (humans sit above it); remove reportsTo' })
      }
    } else if (agent.reportsTo === undefined) {
      problems.push({
        file: agent.file,
        field: 'reportsTo',
        message: `is required for a ${agent.role}; set it to the slug of its manager (one of: ${slugs.join(', ')})`,
      })
    } else if (!bySlug.has(agent.reportsTo) && !unparsed.has(agent.reportsTo)) {
      problems.push({
        file: agent.file,
        field: 'reportsTo',
        message: `"${agent.reportsTo}" names no agent; use one of: ${slugs.filter((s) => s !== agent.slug).join(', ')}`,
      })
    } else if (agent.reportsTo === agent.slug) {
      problems.push({ file: agent.file, field: 'reportsTo', message: 'an agent cannot report to itself; name its manager' })
    }
  }

  for (const cycle of findCycles(agents, bySlug)) {
    const first = bySlug.get(cycle[0]!)!
    problems.push({
      file: first.file,
      field: 'reportsTo',
      message: `forms a reporting cycle (${[...cycle, cycle[0]].join(' → ')}); every chain must end at the CEO`,
    })
  }

  const hasReports = new Set(agents.map((agent) => agent.reportsTo).filter((slug) => slug !== undefined))
  for (const agent of agents) {
    agent.tools.forEach((tool, index) => {
      const field = `tools[${index}]`
      if (!isToolName(tool)) {
        problems.push({ file: agent.file, field, message: `"${tool}" is not a tool; use one of: ${toolNames.join(', ')}` })
      } else if (reviewerTools.includes(tool) && agent.role !== 'reviewer') {
        problems.push({ file: agent.file, field, message: `only a reviewer may hold ${tool}; remove it or set role: reviewer` })
      } else if (managerOnlyTools.includes(tool) && !hasReports.has(agent.slug) && unparsed.size === 0) {
        problems.push({ file: agent.file, field, message: `${tool} needs direct reports and no agent reports to ${agent.slug}; remove it` })
      }
    })
  }

  const handledBy = new Map<string, string>()
  for (const agent of agents) {
    agent.handles.forEach((label, index) => {
      const owner = handledBy.get(label)
      if (owner !== undefined && owner !== agent.slug) {
        problems.push({
          file: agent.file,
          field: `handles[${index}]`,
          message: `label "${label}" is already handled by ${owner}; each label routes to one agent`,
        })
      } else {
        handledBy.set(label, agent.slug)
      }
      if (/^(status|agent|priority):/.test(label) || label === 'gaffer:goal') {
        problems.push({
          file: agent.file,
          field: `handles[${index}]`,
          message: `"${label}" is one of Gaffer's own labels; route with a label of your own such as area:backend`,
        })
      }
    })
  }
  return problems
}

/** Each cycle in the reportsTo graph once, as a list of slugs. */
function findCycles(agents: readonly Agent[], bySlug: Map<string, Agent>): string[][] {
  const cycles: string[][] = []
  const settled = new Set<string>()
  for (const start of agents) {
    const path: string[] = []
    let current: Agent | undefined = start
    while (current && !settled.has(current.slug) && !path.includes(current.slug)) {
      path.push(current.slug)
      current = current.reportsTo === undefined || current.reportsTo === current.slug ? undefined : bySlug.get(current.reportsTo)
    }
    if (current && path.includes(current.slug)) cycles.push(path.slice(path.indexOf(current.slug)))
    path.forEach((slug) => settled.add(slug))
  }
  return cycles
}
