import { z } from 'zod'
import { httpStatus, splitRepository } from '../../github/octokit.ts'
import { cleanUntrusted, fence } from '../untrusted-text.ts'
import { defineTool, ToolRefusal } from '../tool.ts'

const safePath = z
  .string()
  .max(400)
  .refine((p) => !p.split('/').includes('..') && !p.startsWith('/'), { message: 'use a path relative to the repository root, without ..' })

const Listing = z.array(z.object({ name: z.string(), path: z.string(), type: z.string(), size: z.number().optional() }))
const File = z.object({ type: z.literal('file'), content: z.string(), encoding: z.string(), size: z.number() })

const MAX_FILE_CHARS = 40_000

export const listFiles = defineTool({
  name: 'list_files',
  description: 'List the files and folders at a path of the repository (default: the root) on a ref (default: the default branch).',
  parameters: z.strictObject({ path: safePath.optional(), ref: z.string().max(200).optional() }),
  async run(ctx, { path, ref }) {
    const { owner, repo } = splitRepository(ctx.repository)
    try {
      const { data } = await ctx.octokit.request('GET /repos/{owner}/{repo}/contents/{path}', { owner, repo, path: path ?? '', ...(ref ? { ref } : {}) })
      const entries = Listing.safeParse(data)
      if (!entries.success) throw new ToolRefusal(`${path} is a file; read it with read_file`)
      return entries.data.map((e) => `${e.type === 'dir' ? 'dir ' : 'file'} ${e.path}`).join('\n') || '(empty folder)'
    } catch (error) {
      if (httpStatus(error) === 404) throw new ToolRefusal(`no folder ${path ?? '/'}${ref ? ` on ${ref}` : ''}`)
      throw error
    }
  },
})

export const readFile = defineTool({
  name: 'read_file',
  description: 'Read a text file of the repository on a ref (default: the default branch). Its content is quoted data.',
  parameters: z.strictObject({ path: safePath, ref: z.string().max(200).optional() }),
  async run(ctx, { path, ref }) {
    const { owner, repo } = splitRepository(ctx.repository)
    try {
      const { data } = await ctx.octokit.request('GET /repos/{owner}/{repo}/contents/{path}', { owner, repo, path, ...(ref ? { ref } : {}) })
      const file = File.safeParse(data)
      if (!file.success) throw new ToolRefusal(`${path} is not a file; list it with list_files`)
      const text = Buffer.from(file.data.content, file.data.encoding === 'base64' ? 'base64' : 'utf8').toString('utf8')
      return `${path} (${file.data.size} bytes):\n${fence(cleanUntrusted(text, MAX_FILE_CHARS), '')}`
    } catch (error) {
      if (httpStatus(error) === 404) throw new ToolRefusal(`no file ${path}${ref ? ` on ${ref}` : ''}`)
      throw error
    }
  },
})
