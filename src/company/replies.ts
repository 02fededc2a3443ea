import { commandNames } from './commands.ts'
import type { Status } from './labels.ts'

/** What Gaffer answers people in comments; pure text, so each answer is tested as text. */

const listed = (items: readonly string[]) => items.map((item) => `\`${item}\``).join(', ')

/** One reply for every `/word` in a comment that names no command (SPEC §8). */
export function unknownCommandReply(login: string, unknown: readonly string[]): string {
  const which = unknown.map((name) => `/${name}`).join(', ')
  return `@${login} unknown command${unknown.length === 1 ? '' : 's'} ${which}; the commands are ${commandNames.map((name) => `/${name}`).join(', ')}. Nothing was changed.`
}

/** `/approve` where no approval request is open says what the item is doing instead. */
export function nothingToApproveReply(login: string, item: { number: number; status: Status | null }): string {
  const doing: Record<Status, string> = {
    todo: 'is waiting for its owner to pick it up',
    'in-progress': 'is being worked on',
    waiting: 'is waiting for its child items',
    blocked: 'is blocked; `/unblock [note]` answers it',
    review: 'is in review; approvals go to its pull request',
    done: 'is done',
    'needs-approval': 'waits for an approval',
  }
  return `@${login} nothing here waits for an approval; #${item.number} ${item.status ? doing[item.status] : 'has no status'}. Nothing was changed.`
}

/** The one note on an item whose `agent:` label names nobody in the roster. */
export function unknownAgentNote(slug: string, agents: readonly string[]): string {
  return `There is no agent \`${slug}\` in this repository's roster, so nobody will work on this item. Label it with one of ${listed(agents.map((agent) => `agent:${agent}`))} (or comment \`/assign <slug>\`).`
}
