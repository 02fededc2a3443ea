import { spawn } from 'node:child_process'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { Octokit } from '@octokit/rest'
import { runGit } from '../../src/workspace/run-git.ts'

export type GitRequest = {
  method: string
  /** `git-upload-pack` (clone, fetch) or `git-receive-pack` (push). */
  service: string
  /** The user of the request's basic auth, if any. */
  user: string | undefined
  accepted: boolean
}

export type GitServer = {
  /** The git base URL, for GAFFER_GIT_URL: the repository is `<url>/<owner>/<repo>.git`. */
  url: string
  /** Every request, in order. */
  requests: GitRequest[]
  /** Which installation token is accepted from now on. */
  acceptToken(accept: (token: string) => boolean | Promise<boolean>): void
  close(): Promise<void>
}

/**
 * A local stand-in for GitHub's git over HTTPS in front of the emulated GitHub, which
 * serves none: git's own `git http-backend` serves a bare repository from a Node HTTP
 * server on loopback. Like GitHub, it asks for the installation token as HTTP basic
 * auth with the user `x-access-token` (anything else gets 401).
 *
 * The emulated GitHub stays the one truth: it hashes its blobs, trees and commits as
 * git does, so before each request the bare repository is brought to the emulator's
 * branches byte for byte (through its Git Data API), and after a push the pushed
 * commits are written back through the same API, getting the same SHAs, before git is
 * answered. Gaffer's API reads and git's view of the repository therefore agree.
 */
export async function startGitServer(options: {
  github: { url: string; repository: string }
  accept: (token: string) => boolean | Promise<boolean>
}): Promise<GitServer> {
  const root = await mkdtemp(path.join(tmpdir(), 'gaffer-git-server-'))
  const [owner, repo] = options.github.repository.split('/') as [string, string]
  const gitDir = path.join(root, owner, `${repo}.git`)
  await mkdir(path.dirname(gitDir), { recursive: true })
  await runGit(['init', '--quiet', '--bare', gitDir])
  await runGit(['--git-dir', gitDir, 'config', 'http.receivepack', 'true'])
  const requests: GitRequest[] = []
  let accept = options.accept
  // One request at a time: each one syncs the bare repository with the emulated GitHub.
  let queue: Promise<void> = Promise.resolve()

  const server = createServer((req, res) => {
    queue = queue.then(() => handle(req, res)).catch((error: unknown) => fail(res, 500, String(error)))
  })

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://git.invalid')
    const body = await readBody(req)
    const prefix = `/${owner}/${repo}.git/`
    const service = url.searchParams.get('service') ?? url.pathname.split('/').at(-1) ?? ''
    const credentials = basicAuth(req.headers.authorization)
    const accepted = credentials?.user === 'x-access-token' && (await accept(credentials.password))
    requests.push({ method: req.method ?? 'GET', service, user: credentials?.user, accepted })
    if (!url.pathname.startsWith(prefix)) return fail(res, 404, 'Repository not found.')
    if (!accepted) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="GitHub"', 'content-type': 'text/plain' })
      res.end('Invalid username or token. Password authentication is not supported for Git operations.\n')
      return
    }
    const api = new Octokit({ baseUrl: options.github.url, auth: credentials!.password })
    await mirrorFromGitHub(api, gitDir, { owner, repo })
    const answer = await httpBackend(root, req, url, body)
    if (service === 'git-receive-pack' && req.method === 'POST') await mirrorToGitHub(api, gitDir, { owner, repo })
    res.writeHead(answer.status, answer.headers)
    res.end(answer.body)
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    acceptToken(next) {
      accept = next
    },
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await rm(root, { recursive: true, force: true })
    },
  }
}

function basicAuth(header: string | undefined): { user: string; password: string } | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(header ?? '')
  if (!match) return undefined
  const text = Buffer.from(match[1]!, 'base64').toString('utf8')
  const colon = text.indexOf(':')
  return colon < 0 ? undefined : { user: text.slice(0, colon), password: text.slice(colon + 1) }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

function fail(res: ServerResponse, status: number, text: string) {
  if (res.headersSent) return
  res.writeHead(status, { 'content-type': 'text/plain' })
  res.end(`${text}\n`)
}

/** Runs `git http-backend` as a CGI program for one request and returns its answer. */
async function httpBackend(root: string, req: IncomingMessage, url: URL, body: Buffer) {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    GIT_PROJECT_ROOT: root,
    GIT_HTTP_EXPORT_ALL: '1',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    REQUEST_METHOD: req.method ?? 'GET',
    PATH_INFO: decodeURIComponent(url.pathname),
    QUERY_STRING: url.search.slice(1),
    CONTENT_LENGTH: String(body.length),
    REMOTE_ADDR: '127.0.0.1',
    // An authenticated user: http-backend then serves pushes too.
    REMOTE_USER: 'x-access-token',
  }
  if (req.headers['content-type']) env.CONTENT_TYPE = req.headers['content-type']
  if (req.headers['content-encoding']) env.HTTP_CONTENT_ENCODING = String(req.headers['content-encoding'])
  if (req.headers['git-protocol']) env.GIT_PROTOCOL = String(req.headers['git-protocol'])
  const output = await new Promise<Buffer>((resolve, reject) => {
    const child = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'inherit'] })
    const chunks: Buffer[] = []
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk))
    child.on('error', reject)
    child.on('close', () => resolve(Buffer.concat(chunks)))
    child.stdin.end(body)
  })
  const split = output.indexOf('\r\n\r\n') >= 0 ? output.indexOf('\r\n\r\n') : output.indexOf('\n\n')
  const separator = output.indexOf('\r\n\r\n') >= 0 ? 4 : 2
  const headers: Record<string, string> = {}
  let status = 200
  for (const line of output.subarray(0, split).toString('latin1').split(/\r?\n/)) {
    const colon = line.indexOf(':')
    if (colon < 0) continue
    const name = line.slice(0, colon).trim()
    const value = line.slice(colon + 1).trim()
    if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10)
    else headers[name] = value
  }
  return { status, headers, body: output.subarray(split + separator) }
}

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
async function mirrorFromGitHub(api: Octokit, gitDir: string, at: At): Promise<void> {
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
async function mirrorToGitHub(api: Octokit, gitDir: string, at: At): Promise<void> {
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
