import { mayRun, type Actor, type CommandName } from './commands.ts'
import type { Status } from './labels.ts'
import { eventsBetween, type StatusEvent } from './status-machine.ts'

/** The moves a person may make by editing a status label, and the command each one stands for. */
const byHand: Partial<Record<StatusEvent, CommandName>> = {
  unblock: 'unblock',
  approve: 'approve',
  reject: 'reject',
  changes_requested: 'approve',
}

export type StatusEdit = HandMove

export type HandMove = { ok: true; event: StatusEvent; command: CommandName } | { ok: false; reason: string }

/**
 * Which event a move of the status label by hand stands for, whoever made it: only the
 * moves a person may make with a command (unblock, approve or reject a request, ask for
 * changes). A pull request's status follows its reviewer and its commits, never a label.
 * The reconcile asks the same when it finds a label whose webhook was lost.
 */
export function handMove(kind: 'issue' | 'pull', from: Status | null, to: Status | null): HandMove {
  if (to === null) return { ok: false, reason: 'an item keeps exactly one status label' }
  if (kind === 'pull') {
    return { ok: false, reason: "a pull request's status follows its reviewer and its commits; use `/approve`, `/hold` or a review instead" }
  }
  const event = eventsBetween(from, to).find((candidate) => byHand[candidate] !== undefined)
  if (event === undefined) {
    const reason =
      from === 'in-progress'
        ? 'an agent is working on it right now'
        : from === 'review' && to === 'done'
          ? 'an issue in review is done when its pull request merges'
          : `Gaffer does not move an item from ${from ?? 'no status'} to ${to}`
    return { ok: false, reason }
  }
  return { ok: true, event, command: byHand[event]! }
}

/**
 * A person moved an item's status label by hand (SPEC §13): the event the move stands
 * for (`handMove`), allowed only to someone who may run its command (moving a
 * `needs-approval` item on is an approval). Anything else is refused, and the caller
 * puts the label back.
 */
export function decideStatusEdit(edit: { kind: 'issue' | 'pull'; from: Status | null; to: Status | null; actor: Actor }): StatusEdit {
  const move = handMove(edit.kind, edit.from, edit.to)
  if (!move.ok) return move
  const allowed = mayRun(move.command, edit.actor)
  return allowed.ok ? move : { ok: false, reason: allowed.reason }
}

/** The reply when a person's status label edit is refused and the label is put back. */
export function statusEditRefusal(edit: { login: string; number: number; from: Status | null; to: Status | null; reason: string }): string {
  const move = edit.to === null ? `removing the status label of #${edit.number}` : `moving #${edit.number} to \`status:${edit.to}\``
  const back = edit.from === null ? 'The label was taken off again.' : `The label was put back to \`status:${edit.from}\`.`
  return `@${edit.login} ${move} by hand was refused: ${edit.reason}. ${back} Use \`/unblock\`, \`/approve\`, \`/reject\` or \`/assign\` to steer it.`
}
