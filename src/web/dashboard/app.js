// The dashboard's entry: one store, a hash router, the login, and live updates over
// server-sent events. Views are functions of the store; `update` renders them again.
import { html, render } from './html.js'
import { Overview } from './overview.js'
import { ItemPage } from './item-page.js'
import { AuditPage, auditQuery } from './audit-page.js'
import { ConsolePage } from './console-page.js'
import { Banners } from './banners.js'

const store = {
  /** 'loading' | 'login' | 'forbidden' | 'ready' */
  phase: 'loading',
  session: null,
  state: null,
  route: parseRoute(location.hash),
  item: null,
  audit: null,
  console: { as: 'maya', people: [], issues: [], selected: null, timeline: null, error: '', notice: '' },
  live: 'connecting',
  updatedAt: null,
  notice: '',
  error: '',
  loginError: '',
}

export function update(patch) {
  Object.assign(store, typeof patch === 'function' ? patch(store) : patch)
  render(html`<${App} store=${store} />`, document.getElementById('app'))
}

/** Calls the admin API with the login cookie (sent by the browser) and, for changes, the CSRF token. */
export async function api(path, options = {}) {
  const headers = { ...(options.body ? { 'content-type': 'application/json' } : {}) }
  if (options.method && options.method !== 'GET' && store.session?.csrf) headers['x-gaffer-csrf'] = store.session.csrf
  const response = await fetch(path, { ...options, headers, credentials: 'same-origin' })
  if (response.status === 401) {
    update({ phase: 'login', session: null })
    throw new Error('Log in again: the session ended.')
  }
  const body = response.status === 204 ? {} : await response.json()
  if (!response.ok) throw new Error(body.error || `the server answered ${response.status}`)
  return body
}

function parseRoute(hash) {
  const [path, query = ''] = hash.replace(/^#/, '').split('?')
  const parts = path.split('/').filter(Boolean)
  if (parts[0] === 'items' && parts.length === 4) return { page: 'item', repository: `${parts[1]}/${parts[2]}`, number: Number(parts[3]) }
  if (parts[0] === 'audit') return { page: 'audit', query: new URLSearchParams(query) }
  if (parts[0] === 'console') return { page: 'console' }
  return { page: 'overview' }
}

async function refreshState() {
  try {
    const state = await api('/gaffer/api/state')
    update({ state, updatedAt: new Date(), error: '' })
  } catch (error) {
    update({ error: error.message })
  }
}

async function refreshItem() {
  const { route } = store
  if (route.page !== 'item') return
  try {
    const data = await api(`/gaffer/api/items/${route.repository}/${route.number}`)
    if (store.route === route) update({ item: { key: `${route.repository}#${route.number}`, data, error: '' } })
  } catch (error) {
    if (store.route === route) update({ item: { key: `${route.repository}#${route.number}`, data: store.item?.data ?? null, error: error.message } })
  }
}

export async function refreshAudit() {
  const { route } = store
  if (route.page !== 'audit') return
  try {
    const data = await api(`/gaffer/api/audit?${auditQuery(route.query)}`)
    if (store.route === route) update({ audit: { data, error: '' } })
  } catch (error) {
    if (store.route === route) update({ audit: { data: store.audit?.data ?? null, error: error.message } })
  }
}

export async function refreshConsole() {
  if (store.route.page !== 'console' || !store.session?.sandbox) return
  const selected = store.console.selected
  try {
    const [issues, timeline] = await Promise.all([
      api('/gaffer/api/console/issues'),
      selected ? api(`/gaffer/api/console/issues/${selected}`) : Promise.resolve(null),
    ])
    update({ console: { ...store.console, issues, timeline: selected === store.console.selected ? timeline : store.console.timeline, error: '' } })
  } catch (error) {
    update({ console: { ...store.console, error: error.message } })
  }
}

/** What the page shows now, read again (after a change event, a route change or a login). */
function refreshPage() {
  refreshState()
  if (store.route.page === 'item') refreshItem()
  if (store.route.page === 'audit') refreshAudit()
  if (store.route.page === 'console') refreshConsole()
}

// Live updates: the server says which tables changed; bursts are read once.
let events
let pendingRefresh
function listen() {
  events?.close()
  events = new EventSource('/gaffer/api/events')
  events.addEventListener('ready', () => {
    update({ live: 'live' })
    refreshPage()
  })
  events.addEventListener('change', () => {
    clearTimeout(pendingRefresh)
    pendingRefresh = setTimeout(refreshPage, 150)
  })
  events.addEventListener('error', () => {
    update({ live: 'reconnecting' })
    // A closed stream whose session ended would retry for ever; ask whether we are still logged in.
    if (events.readyState === EventSource.CLOSED) setTimeout(start, 5000)
  })
}

async function start() {
  const response = await fetch('/gaffer/api/session', { credentials: 'same-origin' }).catch(() => undefined)
  if (!response) {
    update({ error: 'Gaffer does not answer; retrying…' })
    setTimeout(start, 5000)
    return
  }
  if (response.status === 401) return update({ phase: 'login', session: null, error: '' })
  if (response.status === 403) return update({ phase: 'forbidden', error: (await response.json()).error })
  const session = await response.json()
  update({ phase: 'ready', session, error: '', loginError: '' })
  listen()
  if (store.route.page === 'console' && session.sandbox) loadConsolePeople()
}

async function loadConsolePeople() {
  try {
    const info = await api('/gaffer/api/console')
    update({ console: { ...store.console, people: info.people, repository: info.repository } })
  } catch (error) {
    update({ console: { ...store.console, error: error.message } })
  }
}

async function logIn(event) {
  event.preventDefault()
  const token = new FormData(event.currentTarget).get('token')
  const response = await fetch('/gaffer/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token }),
    credentials: 'same-origin',
  })
  if (response.status !== 204) {
    const body = await response.json().catch(() => ({}))
    update({ loginError: body.error || `the server answered ${response.status}` })
    document.getElementById('token')?.focus()
    return
  }
  event.currentTarget?.reset?.()
  await start()
}

async function logOut() {
  events?.close()
  await fetch('/gaffer/logout', { method: 'POST', credentials: 'same-origin' })
  update({ phase: 'login', session: null, state: null, item: null, audit: null, notice: 'Logged out.' })
}

// The skip link moves the focus, not the route.
document.querySelector('.skip')?.addEventListener('click', (event) => {
  event.preventDefault()
  document.getElementById('content')?.focus()
})

window.addEventListener('hashchange', () => {
  if (!location.hash.startsWith('#/') && location.hash !== '') return
  const route = parseRoute(location.hash)
  // Another item or other filters: what was shown no longer answers, until the new answer comes.
  update({ route, item: route.page === 'item' ? store.item : null, audit: null, notice: '' })
  if (store.phase !== 'ready') return
  if (route.page === 'console' && store.console.people.length === 0 && store.session?.sandbox) loadConsolePeople()
  refreshPage()
  // A new page: its heading takes the focus, so a screen reader announces where the reader went.
  requestAnimationFrame(() => document.querySelector('main h1')?.focus())
})

function Login({ store }) {
  return html`<main id="content" class="login" tabindex="-1">
    <h1>Gaffer</h1>
    <form id="login" onSubmit=${logIn} aria-describedby="login-help">
      <p id="login-help">
        This dashboard needs the admin token (<code>GAFFER_ADMIN_TOKEN</code>). It is kept in a secure cookie, never in the address.
      </p>
      <label for="token">Admin token</label>
      <input id="token" name="token" type="password" autocomplete="current-password" required />
      <button type="submit">Log in</button>
      <p id="login-error" class="error" role="alert">${store.loginError}</p>
      ${store.notice ? html`<p role="status">${store.notice}</p>` : null}
    </form>
  </main>`
}

function Nav({ store }) {
  const page = store.route.page
  const link = (href, name, id) => html`<li><a href=${href} aria-current=${page === id ? 'page' : null}>${name}</a></li>`
  return html`<nav aria-label="Dashboard">
    <ul>
      ${link('#/', 'Overview', 'overview')} ${link('#/audit', 'Audit log', 'audit')}
      ${store.session?.sandbox ? link('#/console', 'Console', 'console') : null}
    </ul>
  </nav>`
}

function App({ store }) {
  if (store.phase === 'login') return html`<${Login} store=${store} />`
  if (store.phase !== 'ready')
    return html`<main id="content" tabindex="-1">
      <h1>Gaffer</h1>
      <p class="error" role="alert">${store.error || 'Loading…'}</p>
    </main>`
  const page = store.route.page
  return html`
    <header class="top">
      <a class="brand" href="#/">Gaffer</a>
      <${Nav} store=${store} />
      <p class="live" aria-live="polite">
        ${store.live === 'live' ? 'Live' : 'Reconnecting…'}${store.updatedAt ? html`<span class="muted"> · updated ${store.updatedAt.toLocaleTimeString()}</span>` : null}
      </p>
      ${store.session?.via === 'cookie' ? html`<button type="button" class="quiet" onClick=${logOut}>Log out</button>` : null}
    </header>
    <${Banners} state=${store.state} />
    <p id="error" class="error" role="alert">${store.error}</p>
    <p id="notice" role="status">${store.notice}</p>
    <main id="content" tabindex="-1">
      ${
        page === 'item'
          ? html`<${ItemPage} store=${store} />`
          : page === 'audit'
            ? html`<${AuditPage} store=${store} />`
            : page === 'console'
              ? html`<${ConsolePage} store=${store} />`
              : html`<${Overview} store=${store} />`
      }
    </main>
  `
}

update({})
start()
