// Small formatting helpers shared by the dashboard's views.

export function ago(time, now = Date.now()) {
  if (!time) return ''
  const seconds = Math.max(0, Math.round((now - new Date(time).getTime()) / 1000))
  if (seconds < 90) return `${seconds} s ago`
  if (seconds < 5400) return `${Math.round(seconds / 60)} min ago`
  if (seconds < 129600) return `${Math.round(seconds / 3600)} h ago`
  return `${Math.round(seconds / 86400)} d ago`
}

export function clock(time) {
  return time ? new Date(time).toLocaleString() : ''
}

export function usd(value) {
  const amount = Number(value || 0)
  return `$${amount < 0.01 && amount > 0 ? amount.toFixed(4) : amount.toFixed(2)}`
}

export function count(value) {
  return Number(value || 0).toLocaleString()
}

export function plural(n, word, many = `${word}s`) {
  return `${n} ${n === 1 ? word : many}`
}

/** The dashboard's own page for an item. */
export function itemHref(repository, number) {
  return `#/items/${repository}/${number}`
}

/** The item on GitHub (or the emulated GitHub): links point wherever the app's GitHub serves its pages. */
export function githubHref(webUrl, repository, number, kind) {
  return `${webUrl}/${repository}/${kind === 'pull' ? 'pull' : 'issues'}/${number}`
}

/** Repository names are shown only when the app serves more than one. */
export function itemName(repository, number, many) {
  return many ? `${repository}#${number}` : `#${number}`
}
