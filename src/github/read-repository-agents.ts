import type { AgentSource } from '../roster/load-roster.ts'
import type { Octokit } from './octokit.ts'
import { listFolder, readTextFile } from './read-contents.ts'

export const REPOSITORY_AGENTS_DIR = '.github/agents'

/**
 * Reads `.github/agents/<slug>/AGENTS.md` from the default branch only, so an unmerged
 * change on another branch has no effect. Returns undefined when the folder is absent.
 */
export async function readRepositoryAgents(octokit: Octokit, fullName: string, defaultBranch: string): Promise<AgentSource[] | undefined> {
  const listing = await listFolder(octokit, fullName, REPOSITORY_AGENTS_DIR, defaultBranch)
  if (listing === undefined || listing === 'not-a-folder') return undefined
  const sources: AgentSource[] = []
  for (const entry of listing.filter((e) => e.type === 'dir').sort((a, b) => a.name.localeCompare(b.name))) {
    const file = `${entry.path}/AGENTS.md`
    const read = await readTextFile(octokit, fullName, file, defaultBranch)
    if (read === undefined) continue
    if (read === 'not-a-file') throw new Error(`${fullName}:${file} is not a file; an agent's folder holds its AGENTS.md as a file`)
    sources.push({ slug: entry.name, file: `${fullName}:${file}`, text: read.text })
  }
  return sources
}
