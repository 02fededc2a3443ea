import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { fileURLToPath } from 'node:url'

/** The dashboard's own modules and styles, served as they are in the repository: no build step. */
const ownDir = fileURLToPath(new URL('./dashboard/', import.meta.url))

/** The rendering library, straight from node_modules (both are plain ES modules without imports). */
const vendor: Record<string, string> = {
  'vendor/preact.mjs': fileURLToPath(import.meta.resolve('preact')),
  'vendor/htm.mjs': fileURLToPath(import.meta.resolve('htm')),
}

const contentTypes: Record<string, string> = {
  js: 'text/javascript; charset=utf-8',
  mjs: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
}

type Asset = { body: Buffer; etag: string; type: string }

/**
 * `GET /gaffer/assets/<name>`: the dashboard's files, read once and kept in memory. Only
 * plain names (no slashes or dots but the extension's) and the vendor files above are
 * served, so no path can reach outside these folders. They carry no data, so they need
 * no token; `no-cache` with an ETag makes a new version show on the next load.
 */
export function createDashboardAssets() {
  const cache = new Map<string, Promise<Asset | undefined>>()
  const load = async (name: string): Promise<Asset | undefined> => {
    const own = /^[a-z][a-z0-9-]*\.(js|css)$/.exec(name)
    const file = vendor[name] ?? (own ? `${ownDir}${name}` : undefined)
    if (!file) return undefined
    const body = await readFile(file).catch(() => undefined)
    if (!body) return undefined
    return { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 20)}"`, type: contentTypes[name.split('.').pop()!]! }
  }
  return async function serve(req: IncomingMessage, res: ServerResponse, name: string): Promise<boolean> {
    if (!cache.has(name) && cache.size < 100) cache.set(name, load(name))
    const asset = await (cache.get(name) ?? load(name))
    if (!asset) return false
    const headers = { 'content-type': asset.type, 'cache-control': 'no-cache', etag: asset.etag, 'x-content-type-options': 'nosniff' }
    if (req.headers['if-none-match'] === asset.etag) res.writeHead(304, headers).end()
    else res.writeHead(200, { ...headers, 'content-length': asset.body.length }).end(asset.body)
    return true
  }
}
