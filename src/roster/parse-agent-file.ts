import { parse as parseYaml, YAMLParseError } from 'yaml'
import type { z } from 'zod'
import { AgentFrontMatter, slugPattern, type Agent } from './schema.ts'

export type RosterProblem = { file: string; field: string; message: string }

export type ParsedAgent = { agent: Agent; problems: [] } | { agent: undefined; problems: RosterProblem[] }

const requiredExamples: Record<string, string> = {
  name: 'name: VP of Engineering',
  role: 'role: specialist',
  heartbeat: 'heartbeat: "*/30 * * * *"',
}

const frontMatterPattern = /^---[ \t]*\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)([\s\S]*)$/

/** Parses one `<slug>/AGENTS.md`: YAML front matter between `---` lines, then the instructions. */
export function parseAgentFile(file: string, slug: string, text: string): ParsedAgent {
  const problem = (field: string, message: string): ParsedAgent => ({
    agent: undefined,
    problems: [{ file, field, message }],
  })
  if (!slugPattern.test(slug)) {
    return problem('slug', `folder name "${slug}" must use only a-z, 0-9 and "-"; rename the folder`)
  }
  const match = frontMatterPattern.exec(text.replace(/^\uFEFF/, ''))
  if (!match) {
    return problem('front matter', 'must start with YAML front matter between two "---" lines')
  }
  let data: unknown
  try {
    data = parseYaml(match[1] ?? '')
  } catch (error) {
    const detail = error instanceof YAMLParseError ? error.message.split('\n')[0] : String(error)
    return problem('front matter', `is not valid YAML: ${detail}`)
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return problem('front matter', 'must be a YAML mapping of keys such as name, role, heartbeat')
  }
  const parsed = AgentFrontMatter.safeParse(data)
  if (!parsed.success) {
    const keys = new Set(Object.keys(data))
    return { agent: undefined, problems: parsed.error.issues.map((issue) => toProblem(file, issue, keys)) }
  }
  const instructions = (match[2] ?? '').trim()
  if (instructions === '') {
    return problem('body', "is empty; write the agent's instructions below the front matter")
  }
  return { agent: { ...parsed.data, slug, instructions, file }, problems: [] }
}

function toProblem(file: string, issue: z.core.$ZodIssue, presentKeys: ReadonlySet<string>): RosterProblem {
  if (issue.code === 'unrecognized_keys') {
    return {
      file,
      field: issue.keys.join(', '),
      message: `unknown key${issue.keys.length > 1 ? 's' : ''}; remove ${issue.keys.length > 1 ? 'them' : 'it'} or check the spelling (allowed: ${Object.keys(AgentFrontMatter.shape).join(', ')})`,
    }
  }
  const field = issue.path.join('.') || 'front matter'
  if (issue.code === 'invalid_type' && issue.path.length === 1 && !presentKeys.has(String(issue.path[0]))) {
    return { file, field, message: `is required; add it, e.g. ${requiredExamples[field] ?? `${field}: …`}` }
  }
  return { file, field, message: issue.message }
}
