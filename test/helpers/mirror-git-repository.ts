import { spawn } from 'node:child_process'
import type { Octokit } from '@octokit/rest'
import { runGit } from '../../src/workspace/run-git.ts'

/*
 * Keeps the git stand-in's bare repository (test/helpers/git-server.ts) and the emulated
 * GitHub the same repository. The emulator hashes blobs, trees and commits as git does,
 * so an object rebuilt on either side gets the same SHA; each copy is checked.
 */

type At = { owner: string; repo: string }
type TreeMode = '100644' | '100755' | '040000' | '160000' | '120000'

/** Those of `shas` the bare repository holds, in one git call. */
async function presentObjects(gitDir: string, shas: string[]): Promise<string[]> {
  if (shas.length === 0) return []
  const out = await runGit(['--git-dir', gitDir, 'cat-file', '--batch-check'], { input: `${shas.join('\n')}\n` })
  return out
    .split('\n')
    .filter((line) => line !== '' && !line.endsWith(' missing'))
    .map((line) => line.split(' ')[0]!)
}

async function hasObject(gitDir: string, sha: string): Promise<boolean> {
  return runGit(['--git-dir', gitDir, 'cat-file', '-e', sha]).then(
    () => true,
    () => false,
  )
}

/** Writes an object into the bare repository and checks git gives it the emulator's SHA. */
async function writeObject(gitDir: string, type: 'blob' | 'commit', content: Buffer, sha: string): Promise<void> {
  const written = (await runGit(['--git-dir', gitDir, 'hash-object', '-t', type, '-w', '--stdin'], { input: content })).trim()
  if (written !== sha) throw new Error(`the emulated GitHub's ${type} ${sha} came out as ${written} when rebuilt with git`)
}

/** `seconds ±hhmm`, git's form of an ISO date as the emulator hashes it. */
function gitDate(iso: string): string {
  const zone = /(Z|([+-])(\d{2}):?(\d{2}))$/i.exec(iso)
  const offset = !zone || zone[1]!.toUpperCase() === 'Z' ? '+0000' : `${zone[2]}${zone[3]}${zone[4]}`
  return `${Math.floor(Date.parse(iso) / 1000)} ${offset}`
}

/** An ISO date with git's own offset, so the emulator hashes the same `seconds ±hhmm`. */
function isoDate(seconds: number, offset: string): string {
  const sign = offset.startsWith('-') ? -1 : 1
  const minutes = sign * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(3, 5)))
  const local = new Date((seconds + minutes * 60) * 1000).toISOString().slice(0, 19)
  return `${local}${offset.slice(0, 3)}:${offset.slice(3, 5)}`
}

/** The emulated GitHub's branches, their commits, trees and blobs, copied into the bare repository. */
export async function mirrorFromGitHub(api: Octokit, gitDir: string, at: At): Promise<void> {
  const branches = await api.paginate(api.repos.listBranches, { ...at, per_page: 100 })
  const local = await localBranches(gitDir)
  for (const branch of branches) {
    if (local.get(branch.name) !== branch.commit.sha) {
      await importCommit(api, gitDir, at, branch.commit.sha)
      await runGit(['--git-dir', gitDir, 'update-ref', `refs/heads/${branch.name}`, branch.commit.sha])
    }
    local.delete(branch.name)
  }
  for (const name of local.keys()) await runGit(['--git-dir', gitDir, 'update-ref', '-d', `refs/heads/${name}`])
  const head = `refs/heads/${(await api.repos.get(at)).data.default_branch}`
  if ((await runGit(['--git-dir', gitDir, 'symbolic-ref', 'HEAD'])).trim() !== head) await runGit(['--git-dir', gitDir, 'symbolic-ref', 'HEAD', head])
}

async function importCommit(api: Octokit, gitDir: string, at: At, sha: string): Promise<void> {
  if (await hasObject(gitDir, sha)) return
  const { data: commit } = await api.git.getCommit({ ...at, commit_sha: sha })
  for (const parent of commit.parents) await importCommit(api, gitDir, at, parent.sha)
  await importTree(api, gitDir, at, commit.tree.sha)
  const person = (who: { name: string; email: string; date: string }) => `${who.name} <${who.email}> ${gitDate(who.date)}`
  const message = commit.message.endsWith('\n') ? commit.message : `${commit.message}\n`
  const text = [
    `tree ${commit.tree.sha}`,
    ...commit.parents.map((parent) => `parent ${parent.sha}`),
    `author ${person(commit.author)}`,
    `committer ${person(commit.committer)}`,
    '',
    message,
  ].join('\n')
  await writeObject(gitDir, 'commit', Buffer.from(text, 'utf8'), sha)
}

async function importTree(api: Octokit, gitDir: string, at: At, sha: string): Promise<void> {
  if (await hasObject(gitDir, sha)) return
  const { data: tree } = await api.git.getTree({ ...at, tree_sha: sha })
  const lines: string[] = []
  for (const entry of tree.tree) {
    if (entry.type === 'tree') await importTree(api, gitDir, at, entry.sha!)
    if (entry.type === 'blob' && !(await hasObject(gitDir, entry.sha!))) {
      const { data: blob } = await api.git.getBlob({ ...at, file_sha: entry.sha! })
      await writeObject(gitDir, 'blob', Buffer.from(blob.content, 'base64'), entry.sha!)
    }
    lines.push(`${entry.mode} ${entry.type} ${entry.sha}\t${entry.path}`)
  }
  const written = (await runGit(['--git-dir', gitDir, 'mktree', '--missing', '-z'], { input: lines.map((line) => `${line}\0`).join('') })).trim()
  if (written !== sha) throw new Error(`the emulated GitHub's tree ${sha} came out as ${written} when rebuilt with git`)
}

async function localBranches(gitDir: string): Promise<Map<string, string>> {
  const out = await runGit(['--git-dir', gitDir, 'for-each-ref', '--format=%(refname:strip=2) %(objectname)', 'refs/heads'])
  return new Map(
    out
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split(' ') as [string, string]),
  )
}

/** After a push: the bare repository's branches, with the commits they hold, written to the emulated GitHub. */
export async function mirrorToGitHub(api: Octokit, gitDir: string, at: At): Promise<void> {
  const remote = new Map((await api.paginate(api.repos.listBranches, { ...at, per_page: 100 })).map((b) => [b.name, b.commit.sha]))
  for (const [name, sha] of await localBranches(gitDir)) {
    if (remote.get(name) === sha) continue
    // What the emulator's branches reach it has already; the rest goes up, parents first.
    const known = await presentObjects(gitDir, [...new Set(remote.values())])
    const commits = (await runGit(['--git-dir', gitDir, 'rev-list', '--topo-order', '--reverse', sha, ...known.map((value) => `^${value}`)]))
      .split('\n')
      .filter(Boolean)
    for (const commit of commits) await exportCommit(api, gitDir, at, commit)
    if (remote.has(name)) await api.git.updateRef({ ...at, ref: `heads/${name}`, sha, force: true })
    else await api.git.createRef({ ...at, ref: `refs/heads/${name}`, sha })
  }
}

async function exportCommit(api: Octokit, gitDir: string, at: At, sha: string): Promise<void> {
  const raw = await runGit(['--git-dir', gitDir, 'cat-file', 'commit', sha])
  const end = raw.indexOf('\n\n')
  const headers = raw.slice(0, end).split('\n')
  const message = raw.slice(end + 2)
  const field = (name: string) => headers.filter((line) => line.startsWith(`${name} `)).map((line) => line.slice(name.length + 1))
  const person = (line: string) => {
    const match = /^(.*) <(.*)> (\d+) ([+-]\d{4})$/.exec(line)
    if (!match) throw new Error(`cannot read the identity "${line}" of commit ${sha}`)
    return { name: match[1]!, email: match[2]!, date: isoDate(Number(match[3]), match[4]!) }
  }
  const tree = field('tree')[0]!
  await exportTree(api, gitDir, at, tree)
  const { data } = await api.git.createCommit({
    ...at,
    message,
    tree,
    parents: field('parent'),
    author: person(field('author')[0]!),
    committer: person(field('committer')[0]!),
  })
  if (data.sha !== sha) throw new Error(`the pushed commit ${sha} became ${data.sha} on the emulated GitHub`)
}

async function exportTree(api: Octokit, gitDir: string, at: At, sha: string): Promise<void> {
  const entries = (await runGit(['--git-dir', gitDir, 'ls-tree', '-z', sha]))
    .split('\0')
    .filter(Boolean)
    .map((line) => {
      const [meta, name] = line.split('\t') as [string, string]
      const [mode, type, object] = meta.split(' ') as [TreeMode, 'blob' | 'tree' | 'commit', string]
      return { path: name, mode, type, sha: object }
    })
  for (const entry of entries) {
    if (entry.type === 'tree') await exportTree(api, gitDir, at, entry.sha)
    if (entry.type === 'blob') {
      const content = await runGitBytes(gitDir, ['cat-file', 'blob', entry.sha])
      await api.git.createBlob({ ...at, content: content.toString('base64'), encoding: 'base64' })
    }
  }
  const { data } = await api.git.createTree({ ...at, tree: entries })
  if (data.sha !== sha) throw new Error(`the pushed tree ${sha} became ${data.sha} on the emulated GitHub`)
}

/** git's stdout as bytes (a blob need not be text). */
async function runGitBytes(gitDir: string, args: string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['--git-dir', gitDir, ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
    const chunks: Buffer[] = []
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk))
    child.on('error', reject)
    child.on('close', (code) => (code === 0 ? resolve(Buffer.concat(chunks)) : reject(new Error(`git ${args.join(' ')} exited ${code}`))))
  })
}
