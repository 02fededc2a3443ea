// The sandbox console: act as a demo person on the emulated GitHub (open an issue with
// labels, comment, approve a pull request) and watch the issue's labels and comments
// change as Gaffer answers. Only a sandbox serves it.
import { html } from './html.js'
import { api, refreshConsole, update } from './app.js'
import { ago, itemHref } from './format.js'

const LABEL_HINTS = ['gaffer:goal', 'area:backend', 'area:frontend', 'area:docs', 'area:engineering', 'area:product', 'priority:p1', 'priority:p2']

function setConsole(store, patch) {
  update({ console: { ...store.console, ...patch } })
}

async function act(store, event, path, body, done) {
  event.preventDefault()
  const form = event.currentTarget
  setConsole(store, { busy: true, error: '', notice: '' })
  try {
    const result = await api(path, { method: 'POST', body: JSON.stringify({ as: store.console.as, ...body }) })
    form.reset()
    done(result)
  } catch (error) {
    setConsole(store, { busy: false, error: error.message })
  }
}

function select(store, number) {
  setConsole(store, { selected: number, timeline: null })
  refreshConsole()
}

function Person({ store }) {
  return html`<fieldset class="people">
    <legend>Act as</legend>
    ${store.console.people.map(
      (person) =>
        html`<label class="radio">
          <input
            type="radio"
            name="as"
            value=${person.login}
            checked=${store.console.as === person.login}
            onChange=${() => setConsole(store, { as: person.login })}
          />
          ${person.login} <span class="muted">(${person.name}, ${person.access === 'write' ? 'write access' : 'no access'})</span>
        </label>`,
    )}
  </fieldset>`
}

function OpenIssue({ store }) {
  const submit = (event) => {
    const form = new FormData(event.currentTarget)
    act(store, event, '/gaffer/api/console/issues', { title: form.get('title'), body: form.get('body'), labels: form.get('labels') }, (issue) => {
      setConsole(store, { busy: false, notice: `${store.console.as} opened #${issue.number}.`, selected: issue.number, timeline: null })
      refreshConsole()
    })
  }
  return html`<form class="console-form" id="console-issue" onSubmit=${submit}>
    <h2>Open an issue</h2>
    <p class="field"><label for="issue-title">Title</label> <input id="issue-title" name="title" required maxlength="256" /></p>
    <p class="field">
      <label for="issue-labels">Labels <span class="muted">(comma-separated)</span></label>
      <input id="issue-labels" name="labels" list="label-hints" placeholder="area:backend, priority:p1" />
      <datalist id="label-hints">${LABEL_HINTS.map((label) => html`<option value=${label}></option>`)}</datalist>
    </p>
    <p class="field"><label for="issue-body">Body</label> <textarea id="issue-body" name="body" rows="4"></textarea></p>
    <button type="submit" disabled=${store.console.busy}>Open the issue</button>
  </form>`
}

function Comment({ store }) {
  const number = store.console.selected
  const submit = (event) => {
    const body = new FormData(event.currentTarget).get('body')
    act(store, event, `/gaffer/api/console/issues/${number}/comments`, { body }, () => {
      setConsole(store, { busy: false, notice: `${store.console.as} commented on #${number}.` })
      refreshConsole()
    })
  }
  const approve = (event) => {
    act(store, event, `/gaffer/api/console/pulls/${number}/approvals`, { body: '' }, () => {
      setConsole(store, { busy: false, notice: `${store.console.as} approved pull request #${number}.` })
      refreshConsole()
    })
  }
  if (!number) return html`<p class="muted">Choose an issue to comment on it.</p>`
  return html`<form class="console-form" id="console-comment" onSubmit=${submit}>
      <h3>Comment on #${number}</h3>
      <p class="field">
        <label for="comment-body">Comment <span class="muted">(commands work: /approve, /unblock …, /priority p1)</span></label>
        <textarea id="comment-body" name="body" rows="3" required></textarea>
      </p>
      <button type="submit" disabled=${store.console.busy}>Comment</button>
    </form>
    ${
      store.console.timeline?.kind === 'pull'
        ? html`<form class="console-form" id="console-approve" onSubmit=${approve}>
            <button type="submit" disabled=${store.console.busy}>Approve pull request #${number}</button>
          </form>`
        : null
    }`
}

function Timeline({ store }) {
  const issue = store.console.timeline
  if (!store.console.selected) return null
  if (!issue) return html`<p>Loading #${store.console.selected}…</p>`
  return html`<section aria-labelledby="console-timeline-title" id="console-timeline">
    <h2 id="console-timeline-title">#${issue.number} <span class="title">${issue.title}</span></h2>
    <p>
      ${issue.kind === 'pull' ? 'Pull request' : 'Issue'} by ${issue.author ?? 'someone'}, ${issue.state} ·
      <a href=${itemHref(store.console.repository, issue.number)}>item page</a> · <a href=${issue.url}>on GitHub</a>
    </p>
    <p class="labels" id="console-labels" aria-label="Labels">
      ${issue.labels.length ? issue.labels.map((label) => html`<span class="label">${label}</span> `) : html`<span class="muted">No labels.</span>`}
    </p>
    <ol class="timeline">
      ${issue.comments.map(
        (comment) =>
          html`<li class="event comment" key=${comment.id}>
            <time datetime=${comment.createdAt}>${ago(comment.createdAt)}</time>
            <span class="what">${comment.author ?? 'someone'} commented</span>
            <pre class="body">${comment.body}</pre>
          </li>`,
      )}
    </ol>
    ${issue.comments.length === 0 ? html`<p class="empty">No comments yet.</p>` : null}
  </section>`
}

export function ConsolePage({ store }) {
  if (!store.session?.sandbox)
    return html`<h1 tabindex="-1">Console</h1>
      <p>The console exists only in the sandbox.</p>`
  const c = store.console
  return html`<h1 tabindex="-1">Console <span class="muted">${c.repository ?? ''}</span></h1>
    <p class="muted">Act on the emulated GitHub as one of the sandbox's people; Gaffer sees it through webhooks, as it would on GitHub.</p>
    ${c.error ? html`<p class="error" role="alert">${c.error}</p>` : null}
    <p role="status">${c.notice ?? ''}</p>
    <div class="console">
      <div>
        <${Person} store=${store} />
        <${OpenIssue} store=${store} />
        <h2>Issues and pull requests</h2>
        <ul class="issue-list" id="console-issues">
          ${c.issues.map(
            (issue) =>
              html`<li key=${issue.number}>
                <button type="button" class="link" aria-pressed=${c.selected === issue.number} onClick=${() => select(store, issue.number)}>
                  #${issue.number} ${issue.title}
                </button>
                <span class="muted"> ${issue.kind === 'pull' ? 'pull request' : ''} ${issue.state}</span>
              </li>`,
          )}
        </ul>
      </div>
      <div>
        <${Timeline} store=${store} />
        <${Comment} store=${store} />
      </div>
    </div>`
}
