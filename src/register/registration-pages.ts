import escapeHtml from 'escape-html'
import type { RegistrationManifest } from './registration-manifest.ts'

/**
 * The local page that starts the manifest flow: a form that posts the manifest to
 * GitHub's "new App" page, with `state` in the address as GitHub's documentation shows.
 * No script: the person presses the button, and GitHub then asks them to name and create the App.
 */
export function manifestFormPage(input: { newAppUrl: string; state: string; manifest: RegistrationManifest }): string {
  const action = new URL(input.newAppUrl)
  action.searchParams.set('state', input.state)
  const permissions = Object.entries(input.manifest.default_permissions)
    .map(([name, level]) => `<li>${escapeHtml(name)}: ${escapeHtml(level)}</li>`)
    .join('')
  return page(
    'Register Gaffer as a GitHub App',
    `<p>This posts Gaffer's App manifest (<code>app.yml</code>) to <strong>${escapeHtml(action.origin)}</strong>.
GitHub then asks you to name the App and create it, and sends you back here; the App's ID, private key and
webhook secret are written to your <code>.env</code>.</p>
<p>Webhooks will go to <code>${escapeHtml(input.manifest.hook_attributes.url)}</code>. The App asks for:</p>
<ul>${permissions}</ul>
<p>and the events ${escapeHtml(input.manifest.default_events.join(', '))}.</p>
<form method="post" action="${escapeHtml(action.toString())}">
<input type="hidden" name="manifest" value="${escapeHtml(JSON.stringify(input.manifest))}">
<button type="submit">Create the GitHub App on ${escapeHtml(action.host)}</button>
</form>`,
  )
}

/** What the person sees once the credentials are written. */
export function registeredPage(input: { name: string; htmlUrl: string; envFile: string }): string {
  return page(
    'Gaffer is registered',
    `<p>The GitHub App <strong>${escapeHtml(input.name)}</strong> exists, and its credentials are in
<code>${escapeHtml(input.envFile)}</code>.</p>
<p>Next, <a href="${escapeHtml(`${input.htmlUrl}/installations/new`)}">install it on the repositories Gaffer should run</a>.
You can close this tab; the terminal says what else to do.</p>`,
  )
}

/** A callback that cannot be used, or an exchange that failed: what happened and what to do. */
export function registrationErrorPage(message: string): string {
  return page('Gaffer could not register the App', `<p>${escapeHtml(message)}</p>`)
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem}button{font:inherit;padding:.5rem 1rem}code{background:#f3f3f3;padding:0 .2rem}</style>
</head>
<body><h1>${escapeHtml(title)}</h1>
${body}
</body>
</html>
`
}
