// The overview: what waits for a person, the org chart, the queue, recent heartbeats,
// and what else needs an operator's eye (dead deliveries, notifications, quota, settings).
import { html } from './html.js'
import { ago, count, plural, usd } from './format.js'
import { GenericTable } from './generic-table.js'
import { ItemLinks } from './item-links.js'
import { OrgChart } from './org-chart.js'

/** Workflow order: what needs a person first, then work in motion, then what is queued. */
export const STATUS_ORDER = ['needs-approval', 'blocked', 'in-progress', 'review', 'waiting', 'todo', 'done', null]

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
        'settings from': r.settingsSource === 'repository' ? '.github/gaffer.yml' : 'the environment',
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
