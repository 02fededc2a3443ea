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

export type StatusEdit = { ok: true; event: StatusEvent; command: CommandName } | { ok: false; reason: string }

/**
 * A person moved an item's status label by hand (SPEC §13): that is the event the
 * table has for the move, allowed only to someone who may run the command it stands
 * for (moving a `needs-approval` item on is an approval). Anything else is refused,
 * and the caller puts the label back. Approving by hand answers an approval request
 * only: moving an issue in `review` to `done` would close it ahead of its pull
 * request's merge and around the gate, as `/approve` would (docs/decisions.md).
 */
export function decideStatusEdit(edit: { kind: 'issue' | 'pull'; from: Status | null; to: Status | null; actor: Actor }): StatusEdit {
  const { from, to } = edit
  if (to === null) return { ok: false, reason: 'an item keeps exactly one status label' }
  if (edit.kind === 'pull') {
    return { ok: false, reason: "a pull request's status follows its reviewer and its commits; use `/approve`, `/hold` or a review instead" }
  }
  const event = eventsBetween(from, to).find((candidate) => byHand[candidate] !== undefined && (candidate !== 'approve' || from === 'needs-approval'))
  if (event === undefined) {
    const reason =
      from === 'in-progress'
        ? 'an agent is working on it right now'
        : from === 'review' && to === 'done'
          ? 'an issue in review is done when its pull request merges'
          : `Gaffer does not move an item from ${from ?? 'no status'} to ${to}`
    return { ok: false, reason }
  }
  const command = byHand[event]!
  const allowed = mayRun(command, edit.actor)
  if (!allowed.ok) return { ok: false, reason: allowed.reason }
  return { ok: true, event, command }
}

/** The reply when a person's status label edit is refused and the label is put back. */
export function statusEditRefusal(edit: { login: string; number: number; from: Status | null; to: Status | null; reason: string }): string {
  const move = edit.to === null ? `removing the status label of #${edit.number}` : `moving #${edit.number} to \`status:${edit.to}\``
  const back = edit.from === null ? 'The label was taken off again.' : `The label was put back to \`status:${edit.from}\`.`
  return `@${edit.login} ${move} by hand was refused: ${edit.reason}. ${back} Use \`/unblock\`, \`/approve\`, \`/reject\` or \`/assign\` to steer it.`
}
