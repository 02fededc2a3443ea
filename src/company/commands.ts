import { atLeast, type Access } from './access.ts'
import { visibleLines } from './visible-text.ts'

/** The slash commands of SPEC §8. */
export const commandNames = ['approve', 'reject', 'unblock', 'assign', 'priority', 'hold', 'unhold', 'pause', 'resume', 'status'] as const
export type CommandName = (typeof commandNames)[number]

export type Command = { name: CommandName; args: string }

/** What a comment asks for: the commands, and the `/words` that start a line but name no command. */
export type ParsedComment = { commands: Command[]; unknown: string[] }

/**
 * The commands in a comment (SPEC §8): a command is the first word of a line a reader
 * sees as prose, case-insensitive; the rest of the line is its argument. Code (fenced,
 * indented, inline), HTML comments and `<pre>` blocks are not prose, so nothing in them
 * is a command. A line that starts with another `/word` is an unknown command.
 */
export function parseCommands(body: string): ParsedComment {
  const commands: Command[] = []
  const unknown: string[] = []
  for (const line of visibleLines(body)) {
    const match = /^\s*\/([a-z][\w-]*)(?:\s+(.*))?$/i.exec(line)
    const name = match?.[1]?.toLowerCase()
    if (!name) continue
    if ((commandNames as readonly string[]).includes(name)) commands.push({ name: name as CommandName, args: (match?.[2] ?? '').trim() })
    else if (!unknown.includes(name)) unknown.push(name)
  }
  return { commands, unknown }
}

export type Actor = {
  login: string
  isBot: boolean
  access: Access
  isApprover: boolean
  /** Whether the item is a pull request this person opened. An issue's author is not asked: see `mayRun`. */
  authoredPullRequest: boolean
}

/** Who may run a command (SPEC §8); a refusal says why, in a sentence for the reply. */
export function mayRun(command: CommandName, actor: Actor): { ok: true } | { ok: false; reason: string } {
  const refuse = (reason: string) => ({ ok: false as const, reason })
  switch (command) {
    case 'status':
      return { ok: true }
    case 'hold':
    case 'unhold':
      return atLeast(actor.access, 'triage') ? { ok: true } : refuse(`/${command} needs triage access to this repository`)
    case 'pause':
    case 'resume':
      return atLeast(actor.access, 'maintain') ? { ok: true } : refuse(`/${command} needs the admin or maintain role on this repository`)
    default:
      if (actor.isBot) return refuse('bots never approve or decide for people')
      // Approving one's own pull request is self-approval. An approval request on an issue is
      // the agent's request, so whoever opened the issue may answer it like anyone who may approve.
      if (command === 'approve' && actor.authoredPullRequest) return refuse('the author of a pull request cannot approve it; ask another maintainer')
      return atLeast(actor.access, 'write') || actor.isApprover
        ? { ok: true }
        : refuse(`/${command} needs write access to this repository or to be a listed approver`)
  }
}
