/**
 * The dashboard's page at `GET /gaffer`: a shell with no data in it. Its modules
 * (`src/web/dashboard/*.js`, served as they are from /gaffer/assets/) render with preact
 * and htm from node_modules, read the admin API and listen to its server-sent events.
 * The page runs no inline script, so its Content-Security-Policy can forbid every other.
 */
export function dashboardPage(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>Gaffer</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/gaffer/assets/dashboard.css">
<script type="module" src="/gaffer/assets/app.js"></script>
</head>
<body>
<a class="skip" href="#content">Skip to content</a>
<div id="app"><main id="content"><h1>Gaffer</h1><p>Loading…</p></main></div>
<noscript><p>The dashboard needs JavaScript; the same data is at <code>/gaffer/api/state</code> with the admin token.</p></noscript>
</body>
</html>`
}
