import { describe, expect, it } from 'vitest'
import { createAdminSession } from '../src/web/admin-session.ts'
import { parseAuditQuery } from '../src/web/audit-query.ts'
import { githubWebUrl } from '../src/github/web-url.ts'
import type { IncomingMessage } from 'node:http'
import { openPullRequest, poll, useTestCompany } from './helpers/test-company.ts'
import { sandboxConsoleFor } from '../src/sandbox/sandbox-console.ts'

const TOKEN = 'api-admin-token'

describe('the dashboard over HTTP in app mode (admin token set, no sandbox console)', () => {
  const c = useTestCompany({ app: { adminToken: TOKEN } })
  const url = (path: string) => `${c.gaffer!.url}${path}`
  const bearer = { authorization: `Bearer ${TOKEN}` }
  const logIn = async (headers: Record<string, string> = {}) =>
    fetch(url('/gaffer/login'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ token: TOKEN }),
    })
  const cookieOf = (response: Response) => response.headers.get('set-cookie')!.split(';')[0]!

  it('keeps the bearer header working for the API, and refuses a request without any credential', async () => {
    expect((await fetch(url('/gaffer/api/state'), { headers: bearer })).status).toBe(200)
    const refused = await fetch(url('/gaffer/api/state'))
    expect(refused.status).toBe(401)
    expect(((await refused.json()) as { error: string }).error).toContain('log in on the dashboard')
  })

  it('logs in with the token: an HttpOnly, SameSite=Strict cookie the API accepts, and refuses it once tampered with', async () => {
    const response = await logIn()

    expect(response.status).toBe(204)
    const header = response.headers.get('set-cookie')!
    expect(header).toMatch(/^gaffer_session=\d+\.[\w-]+\.[\w-]{43}; Max-Age=604800; Path=\/gaffer; HttpOnly; SameSite=Strict$/)
    expect(header).not.toContain(TOKEN)
    const cookie = cookieOf(response)
    expect((await fetch(url('/gaffer/api/state'), { headers: { cookie } })).status).toBe(200)
    const tampered = cookie.replace(/.$/, (last) => (last === 'A' ? 'B' : 'A'))
    expect((await fetch(url('/gaffer/api/state'), { headers: { cookie: tampered } })).status).toBe(401)
    const longer = cookie.replace(/^gaffer_session=\d+/, 'gaffer_session=99999999999')
    expect((await fetch(url('/gaffer/api/state'), { headers: { cookie: longer } })).status).toBe(401)
  })

  it('marks the cookie Secure when the page came over https (a TLS-terminating proxy says so)', async () => {
    const response = await logIn({ 'x-forwarded-proto': 'https' })

    expect(response.headers.get('set-cookie')).toMatch(/; Secure$/)
  })

  it('refuses a wrong token without a cookie, and a login posted by another site', async () => {
    const wrong = await fetch(url('/gaffer/login'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"token":"guess"}' })
    expect(wrong.status).toBe(401)
    expect(wrong.headers.get('set-cookie')).toBeNull()
    expect((await logIn({ origin: 'https://evil.example' })).status).toBe(403)
    expect((await logIn({ 'sec-fetch-site': 'cross-site' })).status).toBe(403)
  })

  it("lets a cookie's POST through only with the page's CSRF token and from this site; the bearer needs neither", async () => {
    const cookie = cookieOf(await logIn())
    const session = (await (await fetch(url('/gaffer/api/session'), { headers: { cookie } })).json()) as { csrf: string; via: string }
    expect(session.via).toBe('cookie')
    const wake = (headers: Record<string, string>) =>
      fetch(url('/gaffer/api/agents/reviewer/wake'), { method: 'POST', headers: { cookie, ...headers } })

    expect((await wake({})).status).toBe(403)
    expect((await wake({ 'x-gaffer-csrf': 'made-up' })).status).toBe(403)
    expect((await wake({ 'x-gaffer-csrf': session.csrf, origin: 'https://evil.example' })).status).toBe(403)
    expect((await wake({ 'x-gaffer-csrf': session.csrf, 'sec-fetch-site': 'same-site' })).status).toBe(403)
    expect((await wake({ 'x-gaffer-csrf': session.csrf, origin: new URL(c.gaffer!.url).origin, 'sec-fetch-site': 'same-origin' })).status).toBe(200)
    expect((await fetch(url('/gaffer/api/agents/reviewer/wake'), { method: 'POST', headers: bearer })).status).toBe(200)
  })

  it('has no sandbox console in app mode', async () => {
    expect((await fetch(url('/gaffer/api/console'), { headers: bearer })).status).toBe(404)
    const post = await fetch(url('/gaffer/api/console/issues'), {
      method: 'POST',
      headers: { ...bearer, 'content-type': 'application/json' },
      body: JSON.stringify({ as: 'maya', title: 'x' }),
    })
    expect(post.status).toBe(404)
    expect(((await (await fetch(url('/gaffer/api/session'), { headers: bearer })).json()) as { sandbox: boolean }).sandbox).toBe(false)
  })

  it('serves the page with a policy that runs only its own scripts and forbids framing, and only its own assets', async () => {
    const page = await fetch(url('/gaffer'))
    const policy = page.headers.get('content-security-policy')!
    expect(policy).toContain("script-src 'self'")
    expect(policy).toContain("frame-ancestors 'none'")
    expect(await page.text()).not.toMatch(/<script>|\son\w+=/)

    const app = await fetch(url('/gaffer/assets/app.js'))
    expect(app.headers.get('content-type')).toContain('text/javascript')
    expect((await fetch(url('/gaffer/assets/vendor/preact.mjs'))).status).toBe(200)
    expect((await fetch(url('/gaffer/assets/%2e%2e%2fhttp-server.ts'))).status).toBe(404)
    expect((await fetch(url('/gaffer/assets/..%2f..%2f..%2fpackage.json'))).status).toBe(404)
  })

  it('streams a change to the dashboards when a webhook changes an item, only to a holder of the token', async () => {
    expect((await fetch(url('/gaffer/api/events'))).status).toBe(401)
    const abort = new AbortController()
    const response = await fetch(url('/gaffer/api/events'), { headers: bearer, signal: abort.signal })
    expect(response.headers.get('content-type')).toContain('text/event-stream')
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader()
    let received = ''
    const read = (async () => {
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }))
        if (done) return
        received += value
      }
    })()
    await expect.poll(() => received, poll).toContain('event: ready')

    await c.maya.issues.create({ owner: c.owner, repo: c.repo, title: 'Watched live', labels: ['area:backend'] })

    await expect.poll(() => received, poll).toMatch(/event: change\ndata: \{"tables":\[[^\]]*"work_items"/)
    abort.abort()
    await read
  })
})

describe('the sandbox console API (no admin token: this machine only)', () => {
  const c = useTestCompany({ app: async () => ({ sandboxConsole: sandboxConsoleFor(c.github) }) })
  const post = (path: string, body: unknown) =>
    fetch(`${c.gaffer!.url}/gaffer/api/console${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })

  it('approves a pull request as maya, through the emulated GitHub', async () => {
    const number = await openPullRequest(c, { by: 'oscar', branch: 'oscar-fix', title: 'A fix from outside' })

    const response = await post(`/pulls/${number}/approvals`, { as: 'maya', body: 'Looks good.' })

    expect(response.status).toBe(201)
    const { data: reviews } = await c.maya.pulls.listReviews({ owner: c.owner, repo: c.repo, pull_number: number })
    expect(reviews.map((review) => `${review.user?.login} ${review.state}`)).toEqual(['maya APPROVED'])
  })

  it('refuses someone who is not a sandbox person, and an issue without a title, naming the field', async () => {
    const stranger = await post('/issues', { as: 'mallory', title: 'Hi' })
    expect(stranger.status).toBe(400)
    expect(((await stranger.json()) as { error: string }).error).toBe('as: must be one of maya, oscar')
    const untitled = await post('/issues', { as: 'maya', title: ' ' })
    expect(((await untitled.json()) as { error: string }).error).toBe('title: must not be empty')
  })

  it('refuses a console action posted by another site', async () => {
    const response = await fetch(`${c.gaffer!.url}/gaffer/api/console/issues`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', origin: 'https://evil.example' },
      body: JSON.stringify({ as: 'maya', title: 'Planted' }),
    })

    expect(response.status).toBe(403)
  })
})

describe('dashboard logins', () => {
  const session = createAdminSession('s3cret')
  const request = (cookie: string) => ({ headers: { cookie } }) as unknown as IncomingMessage
  const value = (cookie: string) => cookie.split(';')[0]!

  it('last seven days, end with a new admin token, and give each login its own CSRF token', () => {
    const start = new Date('2026-12-01T00:00:00Z')
    const cookie = value(session.login('s3cret', false, start)!)

    expect(session.fromRequest(request(cookie), new Date('2026-12-07T23:59:00Z'))).toBeDefined()
    expect(session.fromRequest(request(cookie), new Date('2026-12-08T00:00:01Z'))).toBeUndefined()
    expect(createAdminSession('rotated').fromRequest(request(cookie), start)).toBeUndefined()
    expect(session.login('S3cret', false, start)).toBeUndefined()
    const other = value(session.login('s3cret', false, start)!)
    expect(session.fromRequest(request(other), start)!.csrf).not.toBe(session.fromRequest(request(cookie), start)!.csrf)
  })
})

describe('audit filters from the address', () => {
  it.each([
    ['actor=maya', { actor: 'maya' }],
    ['action=status', { action: 'status' }],
    ['item=12', { target: 12 }],
    ['item=%2312', { target: 12 }],
    ['item=acme%2Fwidgets%2312', { target: 12, repository: 'acme/widgets' }],
    ['since=2026-12-01T09:00:00Z', { since: new Date('2026-12-01T09:00:00Z') }],
    ['before=40', { before: 40 }],
  ])('%s', (query, expected) => {
    expect(parseAuditQuery(new URLSearchParams(query))).toMatchObject({ limit: 200, ...expected })
  })

  it.each([
    ['item=twelve', 'item: "twelve" is not an item; write 12 or owner/name#12'],
    ['since=yesterday', 'since: "yesterday" is not a time; write e.g. 2026-12-01T09:00'],
    ['before=x', 'before: "x" is not an audit row id'],
  ])('refuses %s, naming the parameter', (query, message) => {
    expect(() => parseAuditQuery(new URLSearchParams(query))).toThrow(message)
  })
})

describe('links to GitHub', () => {
  it.each([
    ['https://api.github.com', 'https://github.com'],
    ['https://github.example.com/api/v3', 'https://github.example.com'],
    ['https://github.example.com/api/v3/', 'https://github.example.com'],
    ['http://127.0.0.1:4010', 'http://127.0.0.1:4010'],
  ])('the API at %s has its pages at %s', (api, web) => {
    expect(githubWebUrl(api)).toBe(web)
  })
})
