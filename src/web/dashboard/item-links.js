// How the dashboard names an item everywhere: its page here, and its page on GitHub.
import { html } from './html.js'
import { githubHref, itemHref, itemName } from './format.js'

/** `#12` linking to the dashboard's item page, and a link to the item on GitHub. */
export function ItemLinks({ state, repository, number, kind }) {
  const many = state.repositories.length > 1
  const name = itemName(repository, number, many)
  return html`<span class="item-links"
    ><a href=${itemHref(repository, number)}>${name}</a>${' '}
    <a class="github" href=${githubHref(state.github.webUrl, repository, number, kind)} aria-label=${`${name} on GitHub`}>GitHub</a></span
  >`
}
