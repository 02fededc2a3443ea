// What every page shows above its content: the model in use, and the global model breaker.
import { html } from './html.js'
import { ago } from './format.js'

/** The model the agents use; shown when the state says (`model`), named plainly when it is the rehearsal model. */
function ModelBanner({ model }) {
  if (!model) return null
  if (model.rehearsal)
    return html`<p id="model" class="banner info">
      Model: <strong>rehearsal model (no AI)</strong> — a deterministic stand-in that plays each role by simple rules and costs $0. Configure a model
      to have agents do real work.
    </p>`
  if (!model.name) return html`<p id="model" class="banner warn">No model is configured: agents block items that need one.</p>`
  return html`<p id="model" class="banner quiet-banner">Model: <strong>${model.name}</strong></p>`
}

/** While the breaker is open no agent calls the model, which a person must see first. */
function BreakerBanner({ breaker }) {
  if (!breaker || breaker.state !== 'open') return null
  return html`<p id="breaker" class="banner bad" role="alert">
    Model work is paused for every agent: the model server fails for everyone since ${ago(breaker.since)}
    (${breaker.lastError || 'no error recorded'}). Gaffer probes it every minute and resumes by
    itself${breaker.nextProbeAt ? `; next probe at ${new Date(breaker.nextProbeAt).toLocaleTimeString()}` : ''}.
  </p>`
}

export function Banners({ state }) {
  if (!state) return null
  return html`<div class="banners">
    <${BreakerBanner} breaker=${state.modelBreaker} />
    <${ModelBanner} model=${state.model} />
  </div>`
}
