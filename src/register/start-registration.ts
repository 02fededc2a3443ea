import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import type { AppManifest } from '../config/app-manifest.ts'
import { convertAppManifest } from '../github/convert-app-manifest.ts'
import { envFileText, hasAppCredentials } from './env-file-text.ts'
import { registrationManifest } from './registration-manifest.ts'
import { manifestFormPage, registeredPage, registrationErrorPage } from './registration-pages.ts'
import type { RegistrationTarget } from './registration-target.ts'
import { writeSecretFile } from './write-secret-file.ts'
import { sameSecret } from '../web/same-secret.ts'

/** A registered App and what happened to the `.env` file. */
export type Registration = {
  appId: number
  name: string
  htmlUrl: string
  envFile: string
  /** `created`: there was no file; `added`: the App's lines joined the file's others; `replaced`: an App's credentials were replaced. */
  envChange: 'created' | 'added' | 'replaced'
  /** The file as it was before an App's credentials were replaced in it. */
  backup: string | undefined
}

export type RegistrationServer = {
  /** The page to open in a browser on this machine; its path is a secret of this run. */
  pageUrl: string
  /** Settles once GitHub has sent the browser back and the code was exchanged, or the exchange failed. */
  registered: Promise<Registration>
  close(): Promise<void>
}

/**
 * GitHub's App manifest flow from this machine. A server on the loopback address serves
 * one page (under a random path) that posts the manifest to GitHub with a random `state`;
 * GitHub sends the browser back to `/callback` with a code and that state. A callback
 * whose state does not match is refused and the flow waits on; the first that matches is
 * the only one used: its code is exchanged for the App's credentials, which are written to
 * `envFile` (mode 600), and the server closes.
 */
export async function startRegistration(options: {
  manifest: AppManifest
  webhookUrl: string
  target: RegistrationTarget
  envFile: string
  force: boolean
  name?: string
  port?: number
  now?: () => Date
}): Promise<RegistrationServer> {
  const envFile = path.resolve(options.envFile)
  const existing = await readFile(envFile, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined
    throw error
  })
  if (existing !== undefined && hasAppCredentials(existing) && !options.force) {
    throw new Error(
      `${envFile} already holds a GitHub App's credentials; pass --force to replace them (the file as it is now is kept as ${envFile}.bak), or --env-file to write elsewhere`,
    )
  }
  const secret = randomBytes(16).toString('hex')
  const state = randomBytes(32).toString('hex')
  const server = createServer()
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', resolve)
  })
  const { port } = server.address() as AddressInfo
  const manifest = registrationManifest(options.manifest, {
    webhookUrl: options.webhookUrl,
    redirectUrl: `http://127.0.0.1:${port}/${secret}/callback`,
    name: options.name,
  })
  const { promise: registered, resolve, reject } = Promise.withResolvers<Registration>()
  // Unobserved until the caller awaits it; a failure must not end the process before then.
  registered.catch(() => {})
  let finished = false

  const complete = async (code: string): Promise<Registration> => {
    let app
    try {
      app = await convertAppManifest(options.target.apiUrl, code)
    } catch (error) {
      throw new Error(
        `GitHub created the App, but its code could not be exchanged for the credentials (${(error as Error).message}). Open the App in GitHub's developer settings to generate a private key and set a webhook secret by hand, or delete it and run gaffer register again.`,
        { cause: error },
      )
    }
    if (!app.webhookSecret) {
      throw new Error(`GitHub created the App ${app.htmlUrl} without a webhook secret; set one in its settings and WEBHOOK_SECRET to the same value`)
    }
    const current = await readFile(envFile, 'utf8').catch(() => undefined)
    const replacing = current !== undefined && hasAppCredentials(current)
    if (replacing) await writeSecretFile(`${envFile}.bak`, current)
    const apiUrl = options.target.isGitHubCom ? undefined : options.target.apiUrl
    const credentials = { appId: app.id, name: app.name, htmlUrl: app.htmlUrl, privateKey: app.privateKey, webhookSecret: app.webhookSecret, apiUrl }
    await writeSecretFile(envFile, envFileText(current, credentials, options.now?.() ?? new Date()))
    return {
      appId: app.id,
      name: app.name,
      htmlUrl: app.htmlUrl,
      envFile,
      envChange: current === undefined ? 'created' : replacing ? 'replaced' : 'added',
      backup: replacing ? `${envFile}.bak` : undefined,
    }
  }

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    // A page for this machine's browser only: another Host is a DNS-rebinding page's request.
    if (!/^(127\.0\.0\.1|localhost):\d+$/.test(req.headers.host ?? ''))
      return send(res, 403, registrationErrorPage('Open the address gaffer register printed.'))
    if (req.method !== 'GET') return send(res, 405, registrationErrorPage('Only GET is answered here.'))
    const page = url.pathname === `/${secret}/` || url.pathname === `/${secret}`
    if (!page && url.pathname !== `/${secret}/callback`)
      return send(res, 404, registrationErrorPage('Nothing here; open the address gaffer register printed.'))
    if (finished) return send(res, 410, registrationErrorPage('This registration is finished; run gaffer register again for another.'))
    if (page) return send(res, 200, manifestFormPage({ newAppUrl: options.target.newAppUrl, state, manifest }))
    if (!sameSecret(url.searchParams.get('state') ?? '', state)) {
      return send(
        res,
        400,
        registrationErrorPage(
          'This answer does not belong to the registration gaffer register started (its state differs); nothing was written. Start from the page it printed.',
        ),
      )
    }
    const code = url.searchParams.get('code') ?? ''
    if (!/^[A-Za-z0-9_-]{1,200}$/.test(code))
      return send(res, 400, registrationErrorPage('GitHub sent no usable code; start again from the page gaffer register printed.'))
    finished = true
    complete(code).then(
      (registration) => {
        send(res, 200, registeredPage({ name: registration.name, htmlUrl: registration.htmlUrl, envFile }))
        resolve(registration)
      },
      (error: Error) => {
        send(res, 502, registrationErrorPage(error.message))
        reject(error)
      },
    )
  })

  const close = () =>
    new Promise<void>((done) => {
      server.close(() => done())
      // A browser keeps its connection open; an idle one must not hold the server up.
      server.closeIdleConnections()
    })
  // One-shot: once a callback was used, nothing more is served.
  void registered.then(close, close)
  return { pageUrl: `http://127.0.0.1:${port}/${secret}/`, registered, close }
}

function send(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
    // The page holds the state: never cached, never framed, and its address (with the secret path) never sent on.
    'cache-control': 'no-store',
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
  })
  res.end(html)
}
