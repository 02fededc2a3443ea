import { commandNames } from './commands.ts'
import type { Status } from './labels.ts'

/** What Gaffer answers people in comments; pure text, so each answer is tested as text. */

const listed = (items: readonly string[]) => items.map((item) => `\`${item}\``).join(', ')

/**
 * Everything Gaffer says about one comment, in one reply to its author (SPEC §13):
 * a single answer reads as one sentence, several as paragraphs.
 */
export function combinedReply(login: string, answers: readonly string[]): string {
  return answers.length === 1 ? `@${login} ${answers[0]}` : [`@${login}`, ...answers].join('\n\n')
}

/** One line for every `/word` in a comment that names no command (SPEC §8). */
export function unknownCommandsLine(unknown: readonly string[]): string {
  const which = unknown.map((name) => `/${name}`).join(', ')
  return `unknown command${unknown.length === 1 ? '' : 's'} ${which}; the commands are ${commandNames.map((name) => `/${name}`).join(', ')}. Nothing was changed.`
}

/** A command the author may not run, or that cannot run now, and why. */
export function refusalLine(command: string, reason: string): string {
  return `\`/${command}\` refused: ${reason}. Nothing was changed.`
}

/** A command (or the comment as a whole) that failed on every try: nothing more will happen unless the author asks again. */
export function couldNotRunLine(what: string, error: string): string {
  return `could not run ${what}: ${error}; comment again to retry it.`
}

/** The note for a comment with more commands than Gaffer reads from one comment. */
export function tooManyCommandsLine(count: number, max: number): string {
  return `this comment has ${count} commands; only the first ${max} were read and the other ${count - max} were ignored. Put them in another comment.`
}

/** `/approve` where no approval request is open says what the item is doing instead. */
export function nothingToApproveLine(item: { number: number; status: Status | null }): string {
  const doing: Record<Status, string> = {
    todo: 'is waiting for its owner to pick it up',
    'in-progress': 'is being worked on',
    waiting: 'is waiting for its child items',
    blocked: 'is blocked; `/unblock [note]` answers it',
    review: 'is in review; approvals go to its pull request',
    done: 'is done',
    'needs-approval': 'waits for an approval',
  }
  return `nothing here waits for an approval; #${item.number} ${item.status ? doing[item.status] : 'has no status'}. Nothing was changed.`
}

/** The one note on an item whose `agent:` label names nobody in the roster. */
export function unknownAgentNote(slug: string, agents: readonly string[]): string {
  return `There is no agent \`${slug}\` in this repository's roster, so nobody will work on this item. Label it with one of ${listed(agents.map((agent) => `agent:${agent}`))} (or comment \`/assign <slug>\`).`
}
