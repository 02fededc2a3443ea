import { beforeAll, describe, expect, it } from 'vitest'
import type { Octokit } from '../src/github/octokit.ts'
import { listFolder, readTextFile } from '../src/github/read-contents.ts'
import type { ToolContext } from '../src/runtime/tool.ts'
import { listFiles, readFile } from '../src/runtime/tools/files.ts'
import { useTestCompany } from './helpers/test-company.ts'

describe('repository contents for list_files and read_file (emulated GitHub)', () => {
  const c = useTestCompany()
  let octokit: Octokit
  const repository = () => c.github.repository
  const ctx = () => ({ octokit, repository: repository() }) as ToolContext

  beforeAll(async () => {
    octokit = await c.gaffer!.probot.auth(c.github.app.installationId)
    const text = Buffer.from('export const answer = 42\n').toString('base64')
    await c.maya.repos.createOrUpdateFileContents({ owner: c.owner, repo: c.repo, path: 'lib/answer.ts', message: 'add answer', content: text })
  })

  it('lists a folder, reads a file, and tells a missing path from the wrong kind', async () => {
    expect(await listFolder(octokit, repository(), 'lib')).toEqual([
      expect.objectContaining({ name: 'answer.ts', path: 'lib/answer.ts', type: 'file' }),
    ])
    expect(await readTextFile(octokit, repository(), 'lib/answer.ts')).toEqual({ text: 'export const answer = 42\n', size: 25 })
    expect(await listFolder(octokit, repository(), 'lib/answer.ts')).toBe('not-a-folder')
    expect(await readTextFile(octokit, repository(), 'lib')).toBe('not-a-file')
    expect(await listFolder(octokit, repository(), 'nowhere')).toBeUndefined()
    expect(await readTextFile(octokit, repository(), 'nowhere.ts')).toBeUndefined()
  })

  it.each([
    ['list_files of a folder', () => listFiles.run(ctx(), { path: 'lib' }), 'file lib/answer.ts'],
    ['read_file of a file', () => readFile.run(ctx(), { path: 'lib/answer.ts' }), 'lib/answer.ts (25 bytes):'],
  ])('%s answers the model', async (_name, run, expected) => {
    expect(await run()).toContain(expected)
  })

  it.each([
    ['list_files of a file', () => listFiles.run(ctx(), { path: 'lib/answer.ts' }), 'lib/answer.ts is a file; read it with read_file'],
    ['list_files of nothing', () => listFiles.run(ctx(), { path: 'nowhere' }), 'no folder nowhere'],
    ['read_file of a folder', () => readFile.run(ctx(), { path: 'lib' }), 'lib is not a file; list it with list_files'],
    ['read_file of nothing', () => readFile.run(ctx(), { path: 'nowhere.ts', ref: 'main' }), 'no file nowhere.ts on main'],
  ])('%s is refused with what to do instead', async (_name, run, reason) => {
    await expect(run()).rejects.toThrow(reason)
  })
})
