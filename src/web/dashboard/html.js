// The dashboard renders with preact through htm's tagged templates: no build step, and
// every value placed in a template is text or an attribute, never parsed as HTML.
import { h, render } from './vendor/preact.mjs'
import htm from './vendor/htm.mjs'

export const html = htm.bind(h)
export { render }
