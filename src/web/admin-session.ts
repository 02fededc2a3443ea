import { createHmac, randomBytes } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { sameSecret } from './same-secret.ts'

export const SESSION_COOKIE = 'gaffer_session'

/** How long a dashboard login lasts. */
export const SESSION_DAYS = 7

export type AdminSession = {
  /** The cookie a correct token earns; undefined when `token` is not the admin token. */
  login(token: string, secure: boolean, now: Date): string | undefined
  /** The session a request's cookie proves, if any. */
  fromRequest(req: IncomingMessage, now: Date): { csrf: string } | undefined
}

/**
 * Dashboard logins without server-side state, so any replica accepts a login made on
 * another: the cookie is `<expiry>.<nonce>.<mac>`, signed with a key derived from the
 * admin token (rotating GAFFER_ADMIN_TOKEN ends every session). It is HttpOnly (scripts
 * cannot read it), SameSite=Strict (other sites' requests do not carry it) and Secure when
 * the page came over https. The CSRF token the page sends with each POST is derived from
 * the nonce, so only a page that read it from the API (same origin) has it.
 */
export function createAdminSession(adminToken: string): AdminSession {
  const key = createHmac('sha256', adminToken).update('gaffer dashboard session v1').digest()
  const mac = (text: string) => createHmac('sha256', key).update(text).digest('base64url')
  return {
    login(token, secure, now) {
      if (!sameSecret(token, adminToken)) return undefined
      const expires = Math.floor(now.getTime() / 1000) + SESSION_DAYS * 86_400
      const value = `${expires}.${randomBytes(18).toString('base64url')}`
      return `${SESSION_COOKIE}=${value}.${mac(value)}; Max-Age=${SESSION_DAYS * 86_400}; ${cookieAttributes(secure)}`
    },
    fromRequest(req, now) {
      const cookie = readCookie(req.headers.cookie, SESSION_COOKIE)
      const match = cookie === undefined ? null : /^(\d{1,12})\.([A-Za-z0-9_-]{16,64})\.([A-Za-z0-9_-]{43})$/.exec(cookie)
      if (!match) return undefined
      const [, expires, nonce, signature] = match as unknown as [string, string, string, string]
      if (!sameSecret(signature, mac(`${expires}.${nonce}`))) return undefined
      if (Number(expires) * 1000 <= now.getTime()) return undefined
      return { csrf: mac(`csrf.${nonce}`) }
    },
  }
}

/** The cookie that ends a login in this browser (a copy of the cookie elsewhere lasts until it expires or the token changes). */
export function logoutCookie(secure: boolean): string {
  return `${SESSION_COOKIE}=; Max-Age=0; ${cookieAttributes(secure)}`
}

function cookieAttributes(secure: boolean): string {
  return `Path=/gaffer; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`
}

/** Whether the browser reached this server over https: directly, or through a proxy that says so. */
export function isHttps(req: IncomingMessage): boolean {
  return Boolean((req.socket as { encrypted?: boolean }).encrypted) || req.headers['x-forwarded-proto'] === 'https'
}

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const at = part.indexOf('=')
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim()
  }
  return undefined
}
