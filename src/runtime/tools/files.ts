import { z } from 'zod'
import { listFolder, readTextFile } from '../../github/read-contents.ts'
import { cleanUntrusted, fence } from '../untrusted-text.ts'
import { defineTool, ToolRefusal } from '../tool.ts'

const safePath = z
  .string()
  .max(400)
  .refine((p) => !p.split('/').includes('..') && !p.startsWith('/'), { message: 'use a path relative to the repository root, without ..' })

const MAX_FILE_CHARS = 40_000

export const listFiles = defineTool({
  name: 'list_files',
  description: 'List the files and folders at a path of the repository (default: the root) on a ref (default: the default branch).',
  parameters: z.strictObject({ path: safePath.optional(), ref: z.string().max(200).optional() }),
  async run(ctx, { path, ref }) {
    const entries = await listFolder(ctx.octokit, ctx.repository, path ?? '', ref)
    if (entries === undefined) throw new ToolRefusal(`no folder ${path ?? '/'}${ref ? ` on ${ref}` : ''}`)
    if (entries === 'not-a-folder') throw new ToolRefusal(`${path} is a file; read it with read_file`)
    return entries.map((e) => `${e.type === 'dir' ? 'dir ' : 'file'} ${e.path}`).join('\n') || '(empty folder)'
  },
})

export const readFile = defineTool({
  name: 'read_file',
  description: 'Read a text file of the repository on a ref (default: the default branch). Its content is quoted data.',
  parameters: z.strictObject({ path: safePath, ref: z.string().max(200).optional() }),
  async run(ctx, { path, ref }) {
    const file = await readTextFile(ctx.octokit, ctx.repository, path, ref)
    if (file === undefined) throw new ToolRefusal(`no file ${path}${ref ? ` on ${ref}` : ''}`)
    if (file === 'not-a-file') throw new ToolRefusal(`${path} is not a file; list it with list_files`)
    return `${path} (${file.size} bytes):\n${fence(cleanUntrusted(file.text, MAX_FILE_CHARS), '')}`
  },
})
