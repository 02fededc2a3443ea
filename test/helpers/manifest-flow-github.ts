import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'

/** The App a conversion hands out: in the tests, the emulated GitHub's own App, so its credentials really work. */
export type ConvertedAppFixture = { id: number; slug: string; name: string; pem: string; webhookSecret: string | null }

export type ManifestFlowGitHub = {
  /** Where the stand-in answers, as a GitHub Enterprise Server would: web pages at the root, the API under /api/v3. */
  url: string
  /** Every manifest posted to a "new App" form, with the form's path and the state it carried. */
  posted: Array<{ path: string; state: string | null; manifest: Record<string, unknown> }>
  /** Every conversion asked for, by code, and whether it was answered with an App. */
  conversions: Array<{ code: string; converted: boolean }>
  /** Other API requests, passed on to the emulated GitHub (`GET /app`, …). */
  forwarded: string[]
  close(): Promise<void>
}

/**
 * A local stand-in for GitHub's side of the App manifest flow, as GitHub documents it:
 * `POST /settings/apps/new?state=…` (or an organization's) takes the form's `manifest`
 * and sends the browser to the manifest's `redirect_url` with a one-time `code` and the
 * `state` (GitHub shows a page to name and create the App first; the stand-in creates it
 * at once), and `POST /api/v3/app-manifests/{code}/conversions` exchanges the code once for
 * the App. Every other `/api/v3/` request goes to `apiTarget` (the emulated GitHub).
 */
export async function startManifestFlowGitHub(app: ConvertedAppFixture, apiTarget: string): Promise<ManifestFlowGitHub> {
  const posted: ManifestFlowGitHub['posted'] = []
  const conversions: ManifestFlowGitHub['conversions'] = []
  const forwarded: string[] = []
  const codes = new Set<string>()
  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://stand-in')
      const body = await readBody(req)
      const json = (status: number, value: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' })
        res.end(JSON.stringify(value))
      }
      if (req.method === 'POST' && /^(\/organizations\/[^/]+)?\/settings\/apps\/new$/.test(url.pathname)) {
        const manifest = JSON.parse(new URLSearchParams(body.toString('utf8')).get('manifest') ?? '{}') as Record<string, unknown>
        const state = url.searchParams.get('state')
        posted.push({ path: url.pathname, state, manifest })
        const code = randomBytes(10).toString('hex')
        codes.add(code)
        const back = new URL(String(manifest.redirect_url))
        back.searchParams.set('code', code)
        if (state !== null) back.searchParams.set('state', state)
        res.writeHead(302, { location: back.toString() })
        res.end()
        return
      }
      const conversion = /^\/api\/v3\/app-manifests\/([^/]+)\/conversions$/.exec(url.pathname)
      if (req.method === 'POST' && conversion) {
        const code = conversion[1]!
        const converted = codes.delete(code)
        conversions.push({ code, converted })
        if (!converted) return json(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' })
        return json(201, {
          id: app.id,
          slug: app.slug,
          node_id: 'A_1',
          name: app.name,
          owner: { login: 'demo-company', type: 'Organization' },
          html_url: `http://${req.headers.host}/apps/${app.slug}`,
          client_id: 'Iv1.0123456789abcdef',
          client_secret: 'client-secret-gaffer-does-not-keep',
          webhook_secret: app.webhookSecret,
          pem: app.pem,
        })
      }
      if (url.pathname.startsWith('/api/v3/')) {
        const path = `${url.pathname.slice('/api/v3'.length)}${url.search}`
        forwarded.push(`${req.method} ${url.pathname.slice('/api/v3'.length)}`)
        const headers = Object.fromEntries(
          ['authorization', 'accept', 'content-type', 'user-agent'].flatMap((name) => (req.headers[name] ? [[name, String(req.headers[name])]] : [])),
        )
        const answer = await fetch(new URL(path, apiTarget), {
          method: req.method,
          headers,
          body: ['GET', 'HEAD'].includes(req.method ?? 'GET') ? undefined : body,
        })
        res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' })
        res.end(Buffer.from(await answer.arrayBuffer()))
        return
      }
      json(404, { message: 'Not Found' })
    })().catch((error: unknown) => {
      res.writeHead(502, { 'content-type': 'text/plain' })
      res.end(String(error))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    posted,
    conversions,
    forwarded,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}
