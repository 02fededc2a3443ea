/** The placeholder dashboard at `GET /gaffer`; it reads the same JSON as the API. */
export function dashboardPage(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Gaffer</title>
<style>
  body { font: 15px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; color: #1f2328; }
  table { border-collapse: collapse; width: 100%; margin-bottom: 2rem; }
  th, td { text-align: left; padding: .3rem .6rem; border-bottom: 1px solid #d0d7de; }
  code { background: #f6f8fa; padding: 0 .2rem; }
</style>
</head>
<body>
<h1>Gaffer</h1>
<p>The company at a glance. The full dashboard is on its way; the data below comes from <code>/gaffer/api/state</code>.</p>
<h2>Agents</h2>
<table id="agents"><thead><tr><th>Repository</th><th>Agent</th><th>Role</th><th>Reports to</th></tr></thead><tbody></tbody></table>
<h2>Open work items</h2>
<table id="items"><thead><tr><th>Item</th><th>Title</th><th>Status</th><th>Owner</th><th>Priority</th><th>Depth</th></tr></thead><tbody></tbody></table>
<p id="error"></p>
<script>
  const cell = (text) => { const td = document.createElement('td'); td.textContent = text ?? ''; return td }
  const fill = (id, rows) => document.querySelector('#' + id + ' tbody').replaceChildren(...rows.map((values) => {
    const tr = document.createElement('tr'); tr.append(...values.map(cell)); return tr
  }))
  fetch('/gaffer/api/state').then((r) => r.ok ? r.json() : Promise.reject(new Error('the API answered ' + r.status)))
    .then((state) => {
      fill('agents', state.agents.map((a) => [a.repository, a.slug, a.role, a.reportsTo]))
      fill('items', state.items.map((i) => [i.repository + '#' + i.number, i.title, i.status, i.owner, i.priority_score, i.delegation_depth]))
    })
    .catch((error) => { document.getElementById('error').textContent = error.message })
</script>
</body>
</html>`
}
