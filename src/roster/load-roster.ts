import { existsSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseAgentFile, type RosterProblem } from './parse-agent-file.ts'
import { createRoster, type Roster } from './roster.ts'
import type { Agent } from './schema.ts'
import { validateRoster, type RosterOptions } from './validate-roster.ts'

export const shippedAgentsDir = fileURLToPath(new URL('../../agents/', import.meta.url))

/** One AGENTS.md: the folder name is the slug; `file` is the path shown in error messages. */
export type AgentSource = { slug: string; file: string; text: string }

export type RosterResult = { roster: Roster; problems: [] } | { roster: undefined; problems: RosterProblem[] }

/** Parses and validates a set of AGENTS.md files; any problem rejects the whole roster. */
export function buildRoster(sources: readonly AgentSource[], options: RosterOptions = {}): RosterResult {
  if (sources.length === 0) {
    return {
      roster: undefined,
      problems: [{ file: '(roster)', field: 'agents', message: 'no <slug>/AGENTS.md files found; add at least a CEO' }],
    }
  }
  const agents: Agent[] = []
  const problems: RosterProblem[] = []
  const unparsed = new Set<string>()
  for (const source of [...sources].sort((a, b) => a.slug.localeCompare(b.slug))) {
    const parsed = parseAgentFile(source.file, source.slug, source.text)
    if (parsed.agent) agents.push(parsed.agent)
    else {
      unparsed.add(source.slug)
      problems.push(...parsed.problems)
    }
  }
  problems.push(...validateRoster(agents, unparsed, options))
  return problems.length > 0 ? { roster: undefined, problems } : { roster: createRoster(agents), problems: [] }
}

/** Reads `<dir>/<slug>/AGENTS.md` for every folder in `dir`. */
export async function readAgentSources(dir: string): Promise<AgentSource[]> {
  if (!existsSync(dir)) throw new Error(`no agents folder at ${dir}; pass the folder that holds <slug>/AGENTS.md files`)
  const entries = await readdir(dir, { withFileTypes: true })
  const sources: AgentSource[] = []
  for (const entry of entries.filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    const file = path.join(dir, entry.name, 'AGENTS.md')
    if (!existsSync(file)) continue
    sources.push({ slug: entry.name, file: path.relative(process.cwd(), file) || file, text: await readFile(file, 'utf8') })
  }
  return sources
}

export async function loadRosterDir(dir: string, options: RosterOptions = {}): Promise<RosterResult> {
  return buildRoster(await readAgentSources(dir), options)
}

export function formatProblems(problems: readonly RosterProblem[]): string {
  return problems.map((p) => `${p.file}: ${p.field}: ${p.message}`).join('\n')
}

/** The org chart as an indented tree, for `gaffer validate` and the logs. */
export function formatOrgChart(roster: Roster): string {
  const lines: string[] = []
  const visit = (agent: Agent, depth: number) => {
    const handles = agent.handles.length > 0 ? `  handles ${agent.handles.join(', ')}` : ''
    const runtime = agent.runtime === 'chat' ? '' : `  runtime ${agent.runtime}`
    lines.push(`${'  '.repeat(depth)}${agent.slug} (${agent.role}: ${agent.name})  heartbeat "${agent.heartbeat}"${handles}${runtime}`)
    for (const report of roster.reportsOf(agent.slug)) visit(report, depth + 1)
  }
  visit(roster.ceo, 0)
  return lines.join('\n')
}
