import { z } from 'zod'
import { httpStatus, splitRepository, type Octokit } from './octokit.ts'

/** One entry of a folder listing from `GET /repos/{owner}/{repo}/contents/{path}`. */
export const ContentEntry = z.object({ name: z.string(), path: z.string(), type: z.string(), size: z.number().optional() })
export type ContentEntry = z.infer<typeof ContentEntry>

/** A file from the same endpoint; GitHub sends its content base64-encoded. */
export const ContentFile = z.object({ type: z.literal('file'), content: z.string(), encoding: z.string(), size: z.number() })

/** What the contents endpoint answers for a path, folder or file alike; undefined when there is no such path. */
async function readContents(octokit: Octokit, repository: string, path: string, ref: string | undefined): Promise<unknown> {
  const { owner, repo } = splitRepository(repository)
  try {
    return (await octokit.request('GET /repos/{owner}/{repo}/contents/{path}', { owner, repo, path, ...(ref ? { ref } : {}) })).data
  } catch (error) {
    if (httpStatus(error) === 404) return undefined
    throw error
  }
}

/**
 * The entries of a folder on `ref` (the default branch when absent); `''` is the root.
 * Undefined when there is no such path, `'not-a-folder'` when the path is a file.
 */
export async function listFolder(
  octokit: Octokit,
  repository: string,
  path: string,
  ref?: string,
): Promise<ContentEntry[] | 'not-a-folder' | undefined> {
  const data = await readContents(octokit, repository, path, ref)
  if (data === undefined) return undefined
  const entries = z.array(ContentEntry).safeParse(data)
  return entries.success ? entries.data : 'not-a-folder'
}

/**
 * A file's text on `ref` (the default branch when absent) and its size in bytes.
 * Undefined when there is no such path, `'not-a-file'` when the path is a folder or a link.
 */
export async function readTextFile(
  octokit: Octokit,
  repository: string,
  path: string,
  ref?: string,
): Promise<{ text: string; size: number } | 'not-a-file' | undefined> {
  const data = await readContents(octokit, repository, path, ref)
  if (data === undefined) return undefined
  const file = ContentFile.safeParse(data)
  if (!file.success) return 'not-a-file'
  const text = Buffer.from(file.data.content, file.data.encoding === 'base64' ? 'base64' : 'utf8').toString('utf8')
  return { text, size: file.data.size }
}
