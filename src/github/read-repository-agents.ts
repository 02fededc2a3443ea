import { z } from 'zod'
import type { AgentSource } from '../roster/load-roster.ts'
import { httpStatus, splitRepository, type Octokit } from './octokit.ts'

export const REPOSITORY_AGENTS_DIR = '.github/agents'

const DirectoryListing = z.array(z.object({ name: z.string(), type: z.string(), path: z.string() }))
const FileContent = z.object({ content: z.string(), encoding: z.literal('base64') })

/**
 * Reads `.github/agents/<slug>/AGENTS.md` from the default branch only, so an unmerged
 * change on another branch has no effect. Returns undefined when the folder is absent.
 */
export async function readRepositoryAgents(
  octokit: Octokit,
  fullName: string,
  defaultBranch: string,
): Promise<AgentSource[] | undefined> {
  const { owner, repo } = splitRepository(fullName)
  let listing: z.infer<typeof DirectoryListing>
  try {
    const response = await octokit.request('GET /repos/{owner}/{repo}/contents/{path}', {
      owner,
      repo,
      path: REPOSITORY_AGENTS_DIR,
      ref: defaultBranch,
    })
    const parsed = DirectoryListing.safeParse(response.data)
    if (!parsed.success) return undefined
    listing = parsed.data
  } catch (error) {
    if (httpStatus(error) === 404) return undefined
    throw error
  }
  const sources: AgentSource[] = []
  for (const entry of listing.filter((e) => e.type === 'dir').sort((a, b) => a.name.localeCompare(b.name))) {
    const file = `${entry.path}/AGENTS.md`
    try {
      const response = await octokit.request('GET /repos/{owner}/{repo}/contents/{path}', { owner, repo, path: file, ref: defaultBranch })
      const content = FileContent.parse(response.data)
      sources.push({ slug: entry.name, file: `${fullName}:${file}`, text: Buffer.from(content.content, 'base64').toString('utf8') })
    } catch (error) {
      if (httpStatus(error) !== 404) throw error
    }
  }
  return sources
}
