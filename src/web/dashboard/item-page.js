// An item's page: what the mirror holds, its parent and children, one timeline of status
// moves, other audited decisions, comments and runs, and each run's transcript.
import { html } from './html.js'
import { api, update } from './app.js'
import { ago, clock, count, githubHref, itemHref, plural, usd } from './format.js'

/** Transcripts read so far, by run and by how far the run had got (a run still going is read again as it grows). */
const transcripts = new Map()
/** Runs a person opened or closed; the newest run is open until they choose. */
const toggled = new Map()

const runKey = (run) => `${run.kind}:${run.id}`
const versionKey = (run) => `${runKey(run)}:${run.turns ?? ''}:${run.finishedAt ?? ''}:${run.bytes ?? ''}`

function loadTranscript(run) {
  const key = versionKey(run)
  if (transcripts.has(key)) return
  transcripts.set(key, { loading: true })
  api(`/gaffer/api/transcripts/${run.kind}/${run.id}`).then(
    (data) => {
      transcripts.set(key, { data })
      update({})
    },
    (error) => {
      transcripts.set(key, { error: error.message })
      update({})
    },
  )
}

function StatusChip({ status }) {
  return html`<span class=${`chip status-${status ?? 'none'}`}>${status ?? 'no status'}</span>`
}

function describeAudit(row) {
  const detail = row.detail ?? {}
  if (row.action === 'status') {
    return html`<span class="what">${detail.from ?? 'no status'} → <strong>${row.outcome}</strong></span>
      <span class="muted"> by ${row.actor}${detail.event ? ` (${detail.event})` : ''}</span>
      ${detail.note ? html`<pre class="body">${detail.note}</pre>` : null}`
  }
  const rest = Object.keys(detail).length ? JSON.stringify(detail) : ''
  return html`<span class="what">${row.action}: ${row.outcome}</span
    ><span class="muted"> by ${row.actor}</span> ${rest ? html`<code class="detail">${rest}</code>` : null}`
}

function Timeline({ data }) {
  const entries = [
    ...data.timeline.map((row) => ({ at: row.at, kind: row.action === 'status' ? 'status' : 'audit', row })),
    ...data.comments.map((comment) => ({ at: comment.createdAt, kind: 'comment', comment })),
    ...data.runs.map((run) => ({ at: run.startedAt, kind: 'run', run })),
  ].sort((a, b) => new Date(a.at) - new Date(b.at))
  return html`<section aria-labelledby="timeline-title" id="timeline">
    <h2 id="timeline-title">Timeline</h2>
    ${data.commentsError ? html`<p class="warn">Comments are missing: ${data.commentsError}</p>` : null}
    ${
      entries.length === 0
        ? html`<p class="empty">Nothing has happened to this item yet.</p>`
        : html`<ol class="timeline">
            ${entries.map(
              (entry) =>
                html`<li class=${`event ${entry.kind}`}>
                  <time datetime=${new Date(entry.at).toISOString()} title=${clock(entry.at)}>${ago(entry.at)}</time>
                  ${
                    entry.kind === 'comment'
                      ? html`<span class="what">${entry.comment.author ?? 'someone'}${entry.comment.bot ? ' (app)' : ''} commented</span>
                          <pre class="body">${withoutMarkers(entry.comment.body)}</pre>`
                      : entry.kind === 'run'
                        ? html`<span class="what"
                              ><a href=${`#run-${runKey(entry.run)}`} onClick=${(event) => openRun(event, entry.run)}
                                >${entry.run.kind === 'chat' ? 'Chat run' : 'CLI run'} by ${entry.run.agent}</a
                              ></span
                            >
                            <span class="muted"> ${runFacts(entry.run)}</span>`
                        : describeAudit(entry.row)
                  }
                </li>`,
            )}
          </ol>`
    }
  </section>`
}

/** Gaffer's hidden markers (`<!-- gaffer:… -->`) say which comment is whose; a reader does not need them. */
function withoutMarkers(body) {
  return body.replace(/\n*<!-- gaffer:[^>]*-->\n*/g, '\n').trim()
}

function openRun(event, run) {
  event.preventDefault()
  toggled.set(runKey(run), true)
  update({})
  requestAnimationFrame(() =>
    document
      .getElementById(`run-${runKey(run)}`)
      ?.querySelector('summary')
      ?.focus(),
  )
}

function runFacts(run) {
  const tokens = count((run.inputTokens ?? 0) + (run.outputTokens ?? 0))
  const what = run.kind === 'chat' ? `${plural(run.turns, 'turn')}, ${plural(run.toolCalls, 'tool call')}` : `${run.runtime} (${run.adapter})`
  return `${what}, ${tokens} tokens, ${usd(run.costUsd)}, ${run.finishedAt ? run.outcome || 'finished' : 'running'}`
}

function ChatTranscript({ data }) {
  const names = new Map(data.entries.flatMap((entry) => (entry.toolCalls ?? []).map((call) => [call.id, call.name])))
  const pretty = (text) => {
    try {
      return JSON.stringify(JSON.parse(text), null, 2)
    } catch {
      return text
    }
  }
  return html`${data.dropped ? html`<p class="muted">${plural(data.dropped, 'earlier message')} dropped to keep the transcript under 1 MB.</p>` : null}
    <ol class="transcript">
      ${data.entries.map((entry) => {
        if (entry.role === 'system')
          return html`<li class="entry system">
            <details>
              <summary>Instructions (system prompt, ${count(entry.content.length)} characters)</summary>
              <pre class="body">${entry.content}</pre>
            </details>
          </li>`
        if (entry.role === 'tool')
          return html`<li class="entry tool">
            <p class="role">Result of <code>${names.get(entry.toolCallId) ?? 'a tool'}</code></p>
            <pre class="body">${entry.content}</pre>
          </li>`
        if (entry.role === 'user')
          return html`<li class="entry user">
            <p class="role">The item, as the model was given it</p>
            <pre class="body">${entry.content}</pre>
          </li>`
        return html`<li class="entry assistant">
          <p class="role">
            Model${entry.tokens ? html` <span class="muted">· ${count(entry.tokens.prompt)} in, ${count(entry.tokens.completion)} out, ${usd(entry.costUsd)}</span>` : null}
          </p>
          ${entry.content ? html`<pre class="body">${entry.content}</pre>` : null}
          ${
            (entry.toolCalls ?? []).length
              ? html`<ul class="tool-calls" aria-label="Tool calls">
                  ${entry.toolCalls.map(
                    (call) =>
                      html`<li class="tool-call">
                        <p>Calls <code class="tool-name">${call.name}</code></p>
                        <pre class="body">${pretty(call.arguments)}</pre>
                      </li>`,
                  )}
                </ul>`
              : null
          }
        </li>`
      })}
    </ol>`
}

function CliTranscript({ data }) {
  return html`${
      data.report
        ? html`<h4>Report</h4>
            <pre class="body">${data.report}</pre>`
        : null
    }
    <h4>Event stream</h4>
    <pre class="body events">${data.transcript || '(nothing printed)'}</pre>`
}

function Run({ run, open }) {
  const key = runKey(run)
  const loaded = transcripts.get(versionKey(run))
  if (open && !loaded) queueMicrotask(() => loadTranscript(run))
  return html`<details
    class="run"
    id=${`run-${key}`}
    open=${open}
    onToggle=${(event) => {
      if (event.currentTarget.open === open) return
      toggled.set(key, event.currentTarget.open)
      update({})
    }}
  >
    <summary>
      <strong>${run.kind === 'chat' ? 'Chat run' : 'CLI run'}</strong> by ${run.agent} · ${clock(run.startedAt)} · ${runFacts(run)}
      ${run.kind === 'chat' ? html` · <span class="muted">${run.model}</span>` : null}
    </summary>
    ${
      !open
        ? null
        : !loaded || loaded.loading
          ? html`<p class="muted">Loading the transcript…</p>`
          : loaded.error
            ? html`<p class="error">${loaded.error}</p>`
            : run.kind === 'chat'
              ? html`<${ChatTranscript} data=${loaded.data} />`
              : html`<${CliTranscript} data=${loaded.data} />`
    }
  </details>`
}

function Facts({ item, state }) {
  const fact = (name, value) =>
    value === null || value === undefined || value === ''
      ? null
      : html`<div>
          <dt>${name}</dt>
          <dd>${value}</dd>
        </div>`
  return html`<dl class="facts">
    ${fact('Status', html`<${StatusChip} status=${item.status} />`)} ${fact('State', item.state)}
    ${fact('Kind', item.kind === 'pull' ? 'pull request' : 'issue')} ${fact('Owner', item.owner_agent)} ${fact('Author', item.author)}
    ${fact('Priority', html`${item.priority_score} <span class="reason">${item.priority_reason}</span>`)}
    ${fact('Delegation depth', String(item.delegation_depth))} ${fact('Attempts', String(item.attempts))}
    ${fact('Blocked because', item.blocked_reason)} ${fact('Escalated to', item.escalated_to)} ${fact('Created by agent', item.created_by_agent)}
    ${fact('Labels', item.labels.length ? html`${item.labels.map((label) => html`<span class="label">${label}</span> `)}` : null)}
    ${fact('On GitHub', html`<a href=${githubHref(state.github.webUrl, item.repository, item.number, item.kind)}>${item.repository}#${item.number}</a>`)}
  </dl>`
}

export function ItemPage({ store }) {
  const { route, state } = store
  const key = `${route.repository}#${route.number}`
  const loaded = store.item?.key === key ? store.item : null
  if (!loaded || !state)
    return html`<h1 tabindex="-1">${key}</h1>
      <p>Loading…</p>`
  if (!loaded.data)
    return html`<h1 tabindex="-1">${key}</h1>
      <p class="error" role="alert">${loaded.error}</p>`
  const { item, parent, children, runs } = loaded.data
  return html`<p class="crumbs"><a href="#/">Overview</a> › ${item.repository}</p>
    <h1 tabindex="-1">#${item.number} <span class="title">${item.title}</span></h1>
    ${loaded.error ? html`<p class="error" role="alert">${loaded.error}</p>` : null}
    <${Facts} item=${item} state=${state} />
    <nav aria-label="Related items" class="related">
      <p>
        Parent:${' '}
        ${
          parent
            ? html`<a href=${itemHref(item.repository, parent.number)}>#${parent.number} ${parent.title}</a>
                <${StatusChip} status=${parent.status} />`
            : 'none'
        }
      </p>
      <p>${children.length === 0 ? 'No children.' : `Children (${children.length}):`}</p>
      ${
        children.length
          ? html`<ul class="children">
              ${children.map(
                (child) =>
                  html`<li>
                    <a href=${itemHref(item.repository, child.number)}>#${child.number} ${child.title}</a> <${StatusChip} status=${child.status} />
                    ${child.owner ? html`<span class="muted"> ${child.owner}</span>` : null}
                  </li>`,
              )}
            </ul>`
          : null
      }
    </nav>
    ${
      item.body
        ? html`<details class="item-body">
            <summary>Description</summary>
            <pre class="body">${item.body}</pre>
          </details>`
        : null
    }
    <${Timeline} data=${loaded.data} />
    <section aria-labelledby="runs-title" id="item-runs">
      <h2 id="runs-title">Runs <span class="count">${runs.length}</span></h2>
      ${
        runs.length === 0
          ? html`<p class="empty">No agent has worked on this item yet.</p>`
          : runs.map((run, index) => html`<${Run} key=${runKey(run)} run=${run} open=${toggled.get(runKey(run)) ?? index === 0} />`)
      }
    </section>`
}
