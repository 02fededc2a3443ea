import { spawn } from 'node:child_process'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { Octokit } from '@octokit/rest'
import { runGit } from '../../src/workspace/run-git.ts'
import { mirrorFromGitHub, mirrorToGitHub } from './mirror-git-repository.ts'

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
    // http-backend may answer and exit before reading the whole body (a GET has none to
    // read); its answer is what counts, not the broken pipe.
    child.stdin.on('error', () => {})
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
