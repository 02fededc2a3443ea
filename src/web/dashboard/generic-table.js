// A table of plain rows whose columns are the rows' keys: for what other parts of Gaffer
// put in the state (notification failures, quota buckets) without the dashboard knowing their shape.
import { html } from './html.js'

const cell = (value) => (value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value))

export function GenericTable({ id, caption, rows, empty }) {
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))]
  return html`<div class="table-wrap">
    <table id=${id}>
      <caption>
        ${caption}
      </caption>
      ${
        rows.length === 0
          ? html`<tbody>
              <tr>
                <td class="empty">${empty}</td>
              </tr>
            </tbody>`
          : html`<thead>
                <tr>
                  ${columns.map((column) => html`<th scope="col">${column}</th>`)}
                </tr>
              </thead>
              <tbody>
                ${rows.map(
                  (row) =>
                    html`<tr>
                      ${columns.map((column) => html`<td class=${typeof row[column] === 'number' ? 'number' : ''}>${cell(row[column])}</td>`)}
                    </tr>`,
                )}
              </tbody>`
      }
    </table>
  </div>`
}
