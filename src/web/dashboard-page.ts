/**
 * The dashboard at `GET /gaffer`: one static page that reads `/gaffer/api/state` (and
 * refreshes every 10 s) and can wake an agent. With GAFFER_ADMIN_TOKEN set it asks for
 * the token once and keeps it for the browser tab. Every value from the mirror is put in
 * the page as text, never as HTML: titles and reasons come from untrusted issues.
 */
export function dashboardPage(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Gaffer</title>
<style>
  :root { color-scheme: light dark; --line: #d0d7de; --muted: #59636e; --warn: #9a6700; --bad: #cf222e; --good: #1a7f37; }
  body { font: 14px/1.5 system-ui, sans-serif; margin: 1.5rem auto; max-width: 72rem; padding: 0 1rem; }
  header { display: flex; align-items: baseline; gap: 1rem; flex-wrap: wrap; }
  header p { color: var(--muted); margin: 0; }
  h2 { font-size: 1.1rem; margin: 1.8rem 0 .4rem; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: .25rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
  th { font-weight: 600; }
  td.number { text-align: right; font-variant-numeric: tabular-nums; }
  .empty { color: var(--muted); }
  .warn { color: var(--warn); }
  .bad { color: var(--bad); }
  .good { color: var(--good); }
  .chips span { display: inline-block; border: 1px solid var(--line); border-radius: 1rem; padding: 0 .6rem; margin: 0 .3rem .3rem 0; }
  #error { color: var(--bad); }
  .banner { border: 1px solid var(--bad); border-left-width: .4rem; color: var(--bad); padding: .5rem .8rem; border-radius: .3rem; }
  form#login { margin: 1rem 0; }
  button { font: inherit; }
</style>
</head>
<body>
<header><h1>Gaffer</h1><p id="updated">Loading…</p></header>
<p id="error" role="alert"></p>
<p id="breaker" class="banner" role="alert" hidden></p>
<p id="notice" role="status"></p>
<form id="login" hidden>
  <label>Admin token <input id="token" type="password" autocomplete="off"></label>
  <button type="submit">Show the dashboard</button>
</form>
<main id="main" hidden>
  <section>
    <h2>Waiting for a person</h2>
    <table id="attention"><thead><tr><th>Item</th><th>Title</th><th>Why</th><th>With</th><th>Since</th></tr></thead><tbody></tbody></table>
  </section>
  <section>
    <h2>Agents</h2>
    <table id="agents"><thead><tr><th>Agent</th><th>Role</th><th>Reports to</th><th>State</th><th>Last run</th><th>Spend this month</th><th></th></tr></thead><tbody></tbody></table>
  </section>
  <section>
    <h2>Open work</h2>
    <div id="counts" class="chips"></div>
    <table id="items"><thead><tr><th>Item</th><th>Title</th><th>Status</th><th>Owner</th><th>Priority</th><th>Depth</th><th>Attempts</th></tr></thead><tbody></tbody></table>
  </section>
  <section>
    <h2>Recent heartbeats</h2>
    <table id="runs"><thead><tr><th>Started</th><th>Agent</th><th>Trigger</th><th>Outcome</th><th>Items</th><th>Tokens</th><th>Cost</th><th>GitHub requests</th><th>Note</th></tr></thead><tbody></tbody></table>
  </section>
  <section>
    <h2>Dead webhook deliveries</h2>
    <table id="dead"><thead><tr><th>Delivery</th><th>Event</th><th>Attempts</th><th>Error</th><th>Dead since</th></tr></thead><tbody></tbody></table>
  </section>
  <section>
    <h2>Review quality</h2>
    <table id="quality"><thead><tr><th>Agent</th><th>Pull requests</th><th>Average score</th><th>First-time pass rate</th></tr></thead><tbody></tbody></table>
  </section>
  <section>
    <h2>Repositories</h2>
    <table id="repositories"><thead><tr><th>Repository</th><th>Agents from</th><th>Last reconcile</th><th>Roster problem</th></tr></thead><tbody></tbody></table>
  </section>
</main>
<script>
  const $ = (selector) => document.querySelector(selector)
  let token = sessionStorage.getItem('gaffer-token') || ''

  const api = async (path, options = {}) => {
    const headers = token ? { authorization: 'Bearer ' + token } : {}
    const response = await fetch(path, { ...options, headers })
    if (response.status === 401) {
      const error = new Error(token ? 'That token was refused; enter GAFFER_ADMIN_TOKEN.' : 'This dashboard needs the admin token (GAFFER_ADMIN_TOKEN).')
      error.unauthorized = true
      throw error
    }
    const body = await response.json()
    if (!response.ok) throw new Error(body.error || 'the API answered ' + response.status)
    return body
  }

  // Cells are text nodes: nothing from the mirror is ever parsed as HTML.
  const cell = (value, className) => {
    const td = document.createElement('td')
    if (value instanceof Node) td.append(value)
    else td.textContent = value === null || value === undefined ? '' : String(value)
    if (className) td.className = className
    return td
  }
  const fill = (id, rows, empty) => {
    const body = $('#' + id + ' tbody')
    if (rows.length === 0) {
      const td = cell(empty, 'empty')
      td.colSpan = $('#' + id + ' thead tr').children.length
      const tr = document.createElement('tr')
      tr.append(td)
      return body.replaceChildren(tr)
    }
    body.replaceChildren(...rows.map((cells) => {
      const tr = document.createElement('tr')
      tr.append(...cells.map((c) => (c instanceof HTMLTableCellElement ? c : cell(c))))
      return tr
    }))
  }
  const ago = (time) => {
    if (!time) return ''
    const seconds = Math.max(0, Math.round((Date.now() - new Date(time).getTime()) / 1000))
    if (seconds < 90) return seconds + ' s ago'
    if (seconds < 5400) return Math.round(seconds / 60) + ' min ago'
    if (seconds < 129600) return Math.round(seconds / 3600) + ' h ago'
    return Math.round(seconds / 86400) + ' d ago'
  }
  const usd = (value) => '$' + Number(value || 0).toFixed(2)
  const ref = (item) => item.repository + '#' + item.number

  function wakeButton(agent) {
    const button = document.createElement('button')
    button.textContent = 'Wake'
    button.title = 'Run a heartbeat of ' + agent.slug + ' now'
    button.addEventListener('click', async () => {
      button.disabled = true
      button.textContent = 'Running…'
      try {
        const result = await api('/gaffer/api/agents/' + encodeURIComponent(agent.slug) + '/wake?repository=' + encodeURIComponent(agent.repository), { method: 'POST' })
        $('#notice').textContent = agent.slug + ': ' + result.outcome + ', ' + result.items + ' item' + (result.items === 1 ? '' : 's') +
          (result.error ? ' (' + result.error + ')' : '')
        await refresh()
      } catch (error) {
        $('#error').textContent = error.message
      } finally {
        button.disabled = false
        button.textContent = 'Wake'
      }
    })
    return button
  }

  // The global model breaker: while it is open no agent calls the model, which a person must see first.
  function renderBreaker(breaker) {
    const open = Boolean(breaker) && breaker.state === 'open'
    $('#breaker').hidden = !open
    $('#breaker').textContent = open
      ? 'Model work is paused for every agent: the model server fails for everyone since ' + ago(breaker.since) +
        ' (' + (breaker.lastError || 'no error recorded') + '). Gaffer probes it every minute and resumes by itself' +
        (breaker.nextProbeAt ? '; next probe at ' + new Date(breaker.nextProbeAt).toLocaleTimeString() : '') + '.'
      : ''
  }

  function render(state) {
    renderBreaker(state.modelBreaker)
    const multi = state.repositories.length > 1
    const agentName = (agent) => (multi ? agent.repository + ' ' : '') + agent.slug
    const budgets = new Map(state.budgets.map((b) => [b.repository + ' ' + b.agent, b]))

    fill('attention', [
      ...state.pendingApprovals.map((a) => [ref(a), a.title, 'approval requested by ' + (a.owner || 'an agent'), 'a person with write access', ago(a.since)]),
      ...state.escalations.map((e) => [ref(e), e.title, e.reason || 'blocked', e.escalatedTo || e.owner || '', ago(e.since)]),
    ], 'Nothing is waiting for a decision.')

    fill('agents', state.agents.map((agent) => {
      const budget = budgets.get(agent.repository + ' ' + agent.slug)
      const spend = budget && budget.monthlyUsd !== null
        ? cell(usd(budget.spentUsd) + ' of ' + usd(budget.monthlyUsd) + ' (' + Math.round(budget.share * 100) + '%)', budget.share >= 1 ? 'bad' : budget.warned ? 'warn' : '')
        : cell(usd(agent.monthSpendUsd))
      const stateCell = agent.paused ? cell('paused: ' + (agent.pausedReason || 'by a person'), 'warn') : cell('active')
      const last = agent.lastOutcome ? agent.lastOutcome + ', ' + ago(agent.lastRunAt) : 'never ran'
      return [agentName(agent), agent.role, agent.reportsTo || 'humans', stateCell, last, spend, cell(wakeButton(agent))]
    }), 'No agents yet: install the app on a repository.')

    const counts = {}
    for (const item of state.items) counts[item.status || 'unrouted'] = (counts[item.status || 'unrouted'] || 0) + 1
    $('#counts').replaceChildren(...Object.entries(counts).map(([status, n]) => {
      const chip = document.createElement('span')
      chip.textContent = status + ': ' + n
      return chip
    }))
    fill('items', state.items.map((item) => {
      const priority = cell(item.priority_score)
      priority.title = item.priority_reason || ''
      priority.className = 'number'
      return [ref(item), item.title, item.status || 'unrouted', item.owner || '', priority, cell(item.delegation_depth, 'number'), cell(item.attempts, 'number')]
    }), 'No open issues or pull requests.')

    fill('runs', state.runs.map((run) => [
      ago(run.startedAt), (multi ? run.repository + ' ' : '') + run.agent, run.trigger,
      cell(run.outcome || 'running', run.outcome === 'failed' ? 'bad' : run.outcome === 'worked' ? 'good' : ''),
      cell(run.items, 'number'), cell(run.tokens, 'number'), cell(usd(run.costUsd), 'number'), cell(run.githubRequests, 'number'), run.error || '',
    ]), 'No heartbeat has run yet.')

    // Each failed every attempt; \`gaffer deliveries retry <id>\` or GitHub's "Redeliver" runs one again.
    fill('dead', state.deliveries.dead.map((d) => [
      d.deliveryId, d.event + (d.action ? '.' + d.action : ''), cell(d.attempts, 'number'), cell(d.error || '', 'bad'), ago(d.deadAt),
    ]), 'None: every webhook was processed.')

    fill('quality', state.quality.map((q) => [
      (multi ? q.repository + ' ' : '') + q.agent, cell(q.pullRequests, 'number'), cell(q.averageScore, 'number'),
      cell(q.firstTimePassRate === null ? '' : Math.round(q.firstTimePassRate * 100) + '%', 'number'),
    ]), 'No pull request has been reviewed yet.')

    fill('repositories', state.repositories.map((r) => [
      r.repository, r.rosterSource === 'repository' ? '.github/agents' : 'the shipped org', ago(r.reconciledAt), cell(r.rosterError || '', 'bad'),
    ]), 'No repository yet.')
  }

  // Only the newest refresh may change the page: an older one still in flight (say, with
  // the token just replaced) must not hide what a newer one showed.
  let latest = 0
  async function refresh() {
    const mine = ++latest
    try {
      const state = await api('/gaffer/api/state')
      if (mine !== latest) return
      render(state)
      $('#main').hidden = false
      $('#login').hidden = true
      $('#error').textContent = ''
      $('#updated').textContent = 'Updated ' + new Date().toLocaleTimeString() + '; refreshes every 10 s.'
    } catch (error) {
      if (mine !== latest) return
      if (error.unauthorized) {
        $('#login').hidden = false
        $('#main').hidden = true
      }
      $('#error').textContent = error.message
    }
  }

  $('#login').addEventListener('submit', (event) => {
    event.preventDefault()
    token = $('#token').value.trim()
    sessionStorage.setItem('gaffer-token', token)
    refresh()
  })
  refresh()
  setInterval(refresh, 10000)
</script>
</body>
</html>`
}
