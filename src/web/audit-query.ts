import type { AuditFilter } from '../store/audit-log.ts'
import { BadRequestError } from './read-json-body.ts'

/** Rows one audit page shows. */
export const AUDIT_PAGE = 200

/**
 * The dashboard's audit filters from a query string: `actor`, `action` (a family such
 * as `status` includes `status.label`), `item` (`owner/name#12`, or `12` with
 * `repository`), `repository`, `since` and `until` (ISO times), `before` (an id, for the
 * next page). Anything unreadable is a 400 that names the parameter.
 */
export function parseAuditQuery(query: URLSearchParams): AuditFilter {
  const value = (name: string) => query.get(name)?.trim() || undefined
  const filter: AuditFilter = { limit: AUDIT_PAGE, actor: value('actor'), action: value('action'), repository: value('repository') }
  const item = value('item')
  if (item) {
    const match = /^(?:([\w.-]+\/[\w.-]+))?#?(\d{1,9})$/.exec(item)
    if (!match) throw new BadRequestError(`item: "${item}" is not an item; write 12 or owner/name#12`)
    filter.target = Number(match[2])
    if (match[1]) filter.repository = match[1]
  }
  for (const name of ['since', 'until'] as const) {
    const text = value(name)
    if (!text) continue
    const time = new Date(text)
    if (Number.isNaN(time.getTime())) throw new BadRequestError(`${name}: "${text}" is not a time; write e.g. 2026-12-01T09:00`)
    filter[name] = time
  }
  const before = value('before')
  if (before) {
    if (!/^\d{1,15}$/.test(before)) throw new BadRequestError(`before: "${before}" is not an audit row id`)
    filter.before = Number(before)
  }
  return filter
}
