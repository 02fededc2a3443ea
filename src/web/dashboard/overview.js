// The overview: what waits for a person, the org chart, the queue, recent heartbeats,
// and what else needs an operator's eye (dead deliveries, notifications, quota, settings).
import { html } from './html.js'
import { api, update } from './app.js'
import { ago, count, githubHref, itemHref, itemName, plural, usd } from './format.js'
import { GenericTable } from './generic-table.js'

/** Workflow order: what needs a person first, then work in motion, then what is queued. */
export const STATUS_ORDER = ['needs-approval', 'blocked', 'in-progress', 'review', 'waiting', 'todo', 'done', null]

/** `#12` linking to the dashboard's item page, and a link to the item on GitHub. */
export function ItemLinks({ state, repository, number, kind }) {
  const many = state.repositories.length > 1
  const name = itemName(repository, number, many)
  return html`<span class="item-links"
    ><a href=${itemHref(repository, number)}>${name}</a>${' '}
    <a class="github" href=${githubHref(state.github.webUrl, repository, number, kind)} aria-label=${`${name} on GitHub`}>GitHub</a></span
  >`
}

function Attention({ state }) {
  const approvals = state.pendingApprovals.map((a) => ({ ...a, why: 'approval', question: a.question, holder: 'a person with write access' }))
  const escalations = state.escalations.map((e) => ({
    ...e,
    why: 'blocked',
    question: e.reason,
    holder: e.escalatedTo ? e.escalatedTo : 'a person (needs-human)',
  }))
  const waiting = [...approvals, ...escalations].sort((a, b) => new Date(a.since) - new Date(b.since))
  return html`<section aria-labelledby="attention-title" id="attention">
    <h2 id="attention-title">Waiting for a person <span class="count">${waiting.length}</span></h2>
    ${
      waiting.length === 0
        ? html`<p class="empty">Nothing is waiting for a decision.</p>`
        : html`<ul class="cards">
            ${waiting.map(
              (w) =>
                html`<li class=${`card ${w.why}`} key=${`${w.repository}#${w.number}`}>
                  <p class="card-head">
                    <span class=${`chip ${w.why}`}>${w.why === 'approval' ? 'needs approval' : 'blocked'}</span>
                    <${ItemLinks} state=${state} repository=${w.repository} number=${w.number} kind="issue" />${' '}
                    <span class="title">${w.title}</span>
                  </p>
                  <p class="question">${w.question || (w.why === 'approval' ? 'An agent asks for approval.' : 'Blocked without a reason.')}</p>
                  <p class="muted">${w.owner ? `from ${w.owner}` : ''} · with ${w.holder} · ${ago(w.since)}</p>
                </li>`,
            )}
          </ul>`
    }
  </section>`
}

/** idle, working on #n, paused, over budget, model breaker: what an agent is doing now. */
function agentState(state, agent, budget) {
  if (budget?.pausedByBudget || (budget?.share ?? 0) >= 1) return { text: 'over budget', tone: 'bad' }
  if (agent.paused) return { text: `paused: ${agent.pausedReason || 'by a person'}`, tone: 'warn' }
  if (state.modelBreaker?.state === 'open' && agent.runtime === 'chat') return { text: 'model breaker', tone: 'bad' }
  const working = state.items.filter((item) => item.status === 'in-progress' && item.owner === agent.slug && item.repository === agent.repository)
  if (working.length > 0) return { text: 'working on', tone: 'good', items: working }
  return { text: 'idle', tone: '' }
}

/** Agents whose Wake is running, so their button says so. */
const waking = new Set()

async function wake(agent) {
  const key = `${agent.repository} ${agent.slug}`
  waking.add(key)
  update({})
  try {
    const result = await api(`/gaffer/api/agents/${encodeURIComponent(agent.slug)}/wake?repository=${encodeURIComponent(agent.repository)}`, {
      method: 'POST',
    })
    update({
      notice: `${agent.slug}: ${result.outcome}, ${plural(result.items, 'item')}${result.error ? ` (${result.error})` : ''}`,
      error: '',
    })
  } catch (error) {
    update({ error: error.message })
  } finally {
    waking.delete(key)
    update({})
  }
}

function AgentCard({ state, agent, budgets, quality }) {
  const key = `${agent.repository} ${agent.slug}`
  const budget = budgets.get(key)
  const score = quality.get(key)
  const now = agentState(state, agent, budget)
  const share = budget?.monthlyUsd ? Math.min(1, budget.spentUsd / budget.monthlyUsd) : null
  return html`<div class="agent" id=${`agent-${agent.slug}`}>
    <p class="agent-head">
      <strong class="slug">${agent.slug}</strong> <span class="muted">${agent.name !== agent.slug ? agent.name : ''}</span>${' '}
      <span class="chip">${agent.role}</span>${agent.runtime && agent.runtime !== 'chat' ? html` <span class="chip">${agent.runtime}</span>` : null}
    </p>
    <p class=${`agent-state ${now.tone}`}>
      ${now.text}${
        now.items
          ? now.items.map((item) => html` <${ItemLinks} state=${state} repository=${item.repository} number=${item.number} kind=${item.kind} />`)
          : null
      }
    </p>
    <p class="agent-meta">
      <span class="manager">reports to ${agent.reportsTo || 'the humans'}</span>${' · '}
      ${agent.lastOutcome ? `last run ${agent.lastOutcome}, ${ago(agent.lastRunAt)}` : 'never ran'}
    </p>
    <p class="agent-meta">
      ${
        budget?.monthlyUsd
          ? html`<label class="spend"
              >${usd(budget.spentUsd)} of ${usd(budget.monthlyUsd)} this month
              <meter min="0" max="1" low="0.8" high="0.99" optimum="0" value=${share}>${Math.round(share * 100)}%</meter></label
            >`
          : `${usd(agent.monthSpendUsd)} this month`
      }
      ${score ? ` · quality ${score.averageScore} avg over ${plural(score.pullRequests, 'pull request')}` : ''}
    </p>
    <button type="button" class="wake" aria-label=${`Wake ${agent.slug}`} disabled=${waking.has(key)} onClick=${() => wake(agent)}>
      ${waking.has(key) ? 'Running…' : 'Wake'}
    </button>
  </div>`
}

/** The org chart as a tree: each agent under its manager, the CEO (or whoever reports to nobody) at the top. */
function OrgChart({ state }) {
  const budgets = new Map(state.budgets.map((b) => [`${b.repository} ${b.agent}`, b]))
  const quality = new Map(state.quality.map((q) => [`${q.repository} ${q.agent}`, q]))
  const repositories = [...new Set(state.agents.map((agent) => agent.repository))]
  const branch = (agents, manager, seen) => {
    const reports = agents.filter((agent) => (agent.reportsTo ?? null) === manager && !seen.has(agent.slug))
    if (reports.length === 0) return null
    return html`<ul class=${manager === null ? 'tree' : 'subtree'}>
      ${reports.map(
        (agent) =>
          html`<li key=${agent.slug} data-agent=${agent.slug}>
            <${AgentCard} state=${state} agent=${agent} budgets=${budgets} quality=${quality} />
            ${branch(agents, agent.slug, new Set([...seen, agent.slug]))}
          </li>`,
      )}
    </ul>`
  }
  return html`<section aria-labelledby="org-title" id="org">
    <h2 id="org-title">Org chart</h2>
    ${
      repositories.length === 0
        ? html`<p class="empty">No agents yet: install the app on a repository.</p>`
        : repositories.map((repository) => {
            const agents = state.agents.filter((agent) => agent.repository === repository)
            const slugs = new Set(agents.map((agent) => agent.slug))
            // An agent whose manager is not in the roster still shows, at the top.
            const rooted = agents.map((agent) => (agent.reportsTo && !slugs.has(agent.reportsTo) ? { ...agent, reportsTo: null } : agent))
            return html`<div class="org" key=${repository} aria-label=${`Org chart of ${repository}`} role="group">
              ${repositories.length > 1 ? html`<h3>${repository}</h3>` : null} ${branch(rooted, null, new Set())}
            </div>`
          })
    }
  </section>`
}

function Queue({ state }) {
  const groups = STATUS_ORDER.map((status) => ({ status, items: state.items.filter((item) => (item.status ?? null) === status) })).filter(
    (group) => group.items.length > 0,
  )
  return html`<section aria-labelledby="queue-title" id="queue">
    <h2 id="queue-title">Queue <span class="count">${state.items.length}</span></h2>
    <p class="chips" id="counts">
      ${groups.map((group) => html`<span class=${`chip status-${group.status ?? 'none'}`}>${group.status ?? 'unrouted'}: ${group.items.length}</span> `)}
    </p>
    ${groups.length === 0 ? html`<p class="empty">No open issues or pull requests.</p>` : null}
    ${groups.map(
      (group) =>
        html`<div class="table-wrap" key=${group.status ?? 'unrouted'}>
          <table id=${`queue-${group.status ?? 'unrouted'}`} class="queue">
            <caption>
              ${group.status ?? 'unrouted (no agent handles it)'}
            </caption>
            <thead>
              <tr>
                <th scope="col">Item</th>
                <th scope="col">Title</th>
                <th scope="col">Owner</th>
                <th scope="col">Priority</th>
                <th scope="col">Depth</th>
                <th scope="col">Attempts</th>
              </tr>
            </thead>
            <tbody>
              ${group.items.map(
                (item) =>
                  html`<tr key=${`${item.repository}#${item.number}`}>
                    <td><${ItemLinks} state=${state} repository=${item.repository} number=${item.number} kind=${item.kind} /></td>
                    <td class="title">
                      ${item.title}
                      ${
                        item.labels?.length
                          ? html`<span class="labels">${item.labels.map((label) => html` <span class="label">${label}</span>`)}</span>`
                          : null
                      }
                    </td>
                    <td>${item.owner || ''}</td>
                    <td class="priority"><span class="number">${item.priority_score}</span> <span class="reason">${item.priority_reason}</span></td>
                    <td class="number">${item.delegation_depth}</td>
                    <td class="number">${item.attempts}</td>
                  </tr>`,
              )}
            </tbody>
          </table>
        </div>`,
    )}
  </section>`
}

/** Runs that did nothing ("idle") are folded into one line per stretch of them. */
export function foldRuns(runs) {
  const rows = []
  for (const run of runs) {
    const last = rows.at(-1)
    if (run.outcome === 'idle' && last?.idle) {
      last.runs.push(run)
      continue
    }
    rows.push(run.outcome === 'idle' ? { idle: true, runs: [run] } : { idle: false, run })
  }
  return rows
}

function Heartbeats({ state }) {
  const many = state.repositories.length > 1
  const rows = foldRuns(state.runs)
  return html`<section aria-labelledby="runs-title" id="heartbeats">
    <h2 id="runs-title">Recent heartbeats</h2>
    ${
      rows.length === 0
        ? html`<p class="empty">No heartbeat has run yet.</p>`
        : html`<div class="table-wrap">
            <table id="runs">
              <caption class="visually-hidden">
                The newest heartbeat runs; idle runs folded
              </caption>
              <thead>
                <tr>
                  <th scope="col">Started</th>
                  <th scope="col">Agent</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">What it did</th>
                  <th scope="col">Tokens</th>
                  <th scope="col">Cost</th>
                  <th scope="col">GitHub requests</th>
                </tr>
              </thead>
              <tbody>
                ${rows.map((row) => {
                  if (row.idle) {
                    const agents = [...new Set(row.runs.map((run) => run.agent))]
                    return html`<tr class="idle" key=${`idle-${row.runs[0].id}`}>
                      <td>${ago(row.runs[0].startedAt)}</td>
                      <td colspan="6" class="muted">${plural(row.runs.length, 'idle heartbeat')} (${agents.join(', ')}): nothing to do</td>
                    </tr>`
                  }
                  const { run } = row
                  const did = run.workedOn.length
                    ? run.workedOn.map(
                        (item) =>
                          html`<span class="did"
                            ><${ItemLinks} state=${state} repository=${item.repository} number=${item.number} kind="issue" />${' '}
                            ${item.kind === 'chat' ? plural(item.toolCalls, 'tool call') : 'CLI run'}</span
                          > `,
                      )
                    : run.outcome === 'worked'
                      ? plural(run.items, 'item')
                      : ''
                  return html`<tr key=${run.id}>
                    <td>${ago(run.startedAt)}</td>
                    <td>${many ? `${run.repository} ` : ''}${run.agent} <span class="muted">${run.trigger}</span></td>
                    <td class=${run.outcome === 'failed' ? 'bad' : run.outcome === 'worked' ? 'good' : ''}>${run.outcome || 'running'}</td>
                    <td>${did}${run.error ? html` <span class="bad">${run.error}</span>` : null}</td>
                    <td class="number">${count(run.tokens)}</td>
                    <td class="number">${usd(run.costUsd)}</td>
                    <td class="number">${run.githubRequests}</td>
                  </tr>`
                })}
              </tbody>
            </table>
          </div>`
    }
  </section>`
}

function Operations({ state }) {
  const many = state.repositories.length > 1
  const notifications = state.notifications?.failures
  const quota = state.quota
  return html`<section aria-labelledby="ops-title" id="operations">
    <h2 id="ops-title">Operations</h2>
    <${GenericTable}
      id="dead"
      caption="Dead webhook deliveries"
      rows=${state.deliveries.dead.map((d) => ({
        delivery: d.deliveryId,
        event: d.event + (d.action ? `.${d.action}` : ''),
        attempts: d.attempts,
        error: d.error || '',
        'dead since': ago(d.deadAt),
      }))}
      empty="None: every webhook was processed."
    />
    ${notifications ? html`<${GenericTable} id="notification-failures" caption="Notifications that failed" rows=${notifications} empty="None failed." />` : null}
    ${
      quota
        ? html`<${GenericTable}
            id="quota"
            caption=${`Quota${typeof quota.waiting === 'number' ? `: ${plural(quota.waiting, 'item')} waiting` : ''}`}
            rows=${quota.buckets ?? []}
            empty="No quota buckets."
          />`
        : null
    }
    <${GenericTable}
      id="quality"
      caption="Review quality"
      rows=${state.quality.map((q) => ({
        agent: (many ? `${q.repository} ` : '') + q.agent,
        'pull requests': q.pullRequests,
        'average score': q.averageScore,
        'first-time pass rate': q.firstTimePassRate === null ? '' : `${Math.round(q.firstTimePassRate * 100)}%`,
      }))}
      empty="No pull request has been reviewed yet."
    />
    <${GenericTable}
      id="repositories"
      caption="Repositories"
      rows=${state.repositories.map((r) => ({
        repository: r.repository,
        'agents from': r.rosterSource === 'repository' ? '.github/agents' : 'the shipped org',
        'last reconcile': ago(r.reconciledAt),
        // Every problem a repository reports (the roster's, its settings'): keys ending in Error.
        problems: Object.entries(r)
          .filter(([key, value]) => /error$/i.test(key) && value)
          .map(([key, value]) => `${key.replace(/Error$/, '')}: ${typeof value === 'string' ? value : JSON.stringify(value)}`)
          .join('\n'),
      }))}
      empty="No repository yet."
    />
  </section>`
}

export function Overview({ store }) {
  const { state } = store
  if (!state)
    return html`<h1 tabindex="-1">Overview</h1>
      <p>Loading…</p>`
  return html`<h1 tabindex="-1" class="visually-hidden">Overview</h1>
    <${Attention} state=${state} />
    <div class="columns">
      <${OrgChart} state=${state} />
      <${Queue} state=${state} />
    </div>
    <${Heartbeats} state=${state} />
    <${Operations} state=${state} />`
}
