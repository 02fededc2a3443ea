// The audit log with filters: who (actor), what (action), which item, and when. The
// filters live in the address (#/audit?actor=maya), so a filtered view can be shared.
import { html } from './html.js'
import { clock, githubHref, itemHref } from './format.js'

const FILTERS = ['actor', 'action', 'item', 'since', 'until']

/** The API query for the filters in the address; times from the form are local, the API takes ISO. */
export function auditQuery(query) {
  const out = new URLSearchParams()
  for (const name of FILTERS) {
    const value = query.get(name)
    if (!value) continue
    out.set(name, name === 'since' || name === 'until' ? new Date(value).toISOString() : value)
  }
  return out.toString()
}

function applyFilters(event) {
  event.preventDefault()
  const form = new FormData(event.currentTarget)
  const query = new URLSearchParams()
  for (const name of FILTERS) {
    const value = String(form.get(name) ?? '').trim()
    if (value) query.set(name, value)
  }
  location.hash = `#/audit${query.size ? `?${query}` : ''}`
}

export function AuditPage({ store }) {
  const query = store.route.query
  const data = store.audit?.data
  // Inputs keep what a person types while live updates render the page again: the address
  // gives their first value (defaultValue), and other filters in the address make a new form.
  const field = (name, label, type = 'text', list) =>
    html`<p class="field">
      <label for=${`audit-${name}`}>${label}</label>
      <input id=${`audit-${name}`} name=${name} type=${type} list=${list} defaultValue=${query.get(name) ?? ''} />
    </p>`
  return html`<h1 tabindex="-1">Audit log</h1>
    <form class="filters" key=${query.toString()} onSubmit=${applyFilters} aria-label="Audit filters">
      ${field('actor', 'Actor', 'text', 'audit-actors')} ${field('action', 'Event', 'text', 'audit-actions')}
      ${field('item', 'Item (12 or owner/name#12)')} ${field('since', 'From', 'datetime-local')} ${field('until', 'Until', 'datetime-local')}
      <p class="field buttons">
        <button type="submit">Filter</button>
        <a href="#/audit" class="button quiet">Clear</a>
      </p>
      <datalist id="audit-actors">${(data?.actors ?? []).map((actor) => html`<option value=${actor}></option>`)}</datalist>
      <datalist id="audit-actions">${(data?.actions ?? []).map((action) => html`<option value=${action}></option>`)}</datalist>
    </form>
    ${store.audit?.error ? html`<p class="error" role="alert">${store.audit.error}</p>` : null}
    ${
      !data
        ? html`<p>Loading…</p>`
        : html`<div class="table-wrap">
            <table id="audit">
              <caption>
                ${data.rows.length === 200 ? 'The newest 200 matching rows' : `${data.rows.length} matching rows`}
              </caption>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Actor</th>
                  <th scope="col">Event</th>
                  <th scope="col">Item</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">Detail</th>
                </tr>
              </thead>
              <tbody>
                ${
                  data.rows.length === 0
                    ? html`<tr>
                        <td colspan="6" class="empty">No audit rows match.</td>
                      </tr>`
                    : data.rows.map(
                        (row) =>
                          html`<tr key=${row.id}>
                            <td>${clock(row.at)}</td>
                            <td>${row.actor}</td>
                            <td>${row.action}</td>
                            <td>
                              ${
                                row.repository && row.target
                                  ? html`<a href=${itemHref(row.repository, row.target)}>#${row.target}</a> ${
                                        store.state
                                          ? html` <a
                                              class="github"
                                              href=${githubHref(store.state.github.webUrl, row.repository, row.target)}
                                              aria-label=${`#${row.target} on GitHub`}
                                              >GitHub</a
                                            >`
                                          : null
                                      }`
                                  : ''
                              }
                            </td>
                            <td>${row.outcome}</td>
                            <td><code class="detail">${Object.keys(row.detail ?? {}).length ? JSON.stringify(row.detail) : ''}</code></td>
                          </tr>`,
                      )
                }
              </tbody>
            </table>
          </div>`
    }`
}
