// The org chart: a tree of the roster, each agent under its manager, with what it is
// doing now, its spend against its budget, its review quality and a Wake button.
import { html } from './html.js'
import { api, update } from './app.js'
import { ago, plural, usd } from './format.js'
import { ItemLinks } from './item-links.js'

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
export function OrgChart({ state }) {
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
