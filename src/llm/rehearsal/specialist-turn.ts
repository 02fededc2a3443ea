import type { RehearsalAgent, RehearsalItem } from './read-rehearsal-request.ts'
import { REHEARSAL_NAME } from './rehearsal-model.ts'
import { callTools, type RehearsalTurn } from './rehearsal-turn.ts'

const QUOTED_LINES = 40

/**
 * A specialist played by the rehearsal model proposes a small real change: one markdown
 * note at `rehearsal/<number>-<title>.md` that names the item and quotes what it asks
 * (and what people said on it), opened as a pull request with `propose_change`, which
 * sends the item to review. A progress comment says so first. Changes a reviewer
 * requested are beyond fixed rules, and proposing the same note again would go round
 * for ever: the item is blocked with them, for a person to make on the branch.
 */
export function specialistTurn(agent: RehearsalAgent, tools: readonly string[], item: RehearsalItem): RehearsalTurn {
  const path = notePath(item)
  const requested = item.comments.find((comment) => comment.byGaffer && comment.body.startsWith('Changes requested on #'))
  if (requested) {
    const reason = `the reviewer requested changes that the ${REHEARSAL_NAME} cannot make: a person should make them on the pull request's branch. ${requested.body}`
    return callTools(tools, { name: 'set_status', arguments: { status: 'blocked', reason: reason.slice(0, 4_000) } })
  }
  const plan = [
    `**Plan**: propose \`${path}\`, a note that stands in for the change #${item.number} asks for.`,
    '**Status**: opening the pull request.',
    `The ${REHEARSAL_NAME} follows fixed rules and reads no code, so the note is a placeholder for a person or a real model to replace.`,
  ].join('\n\n')
  const body = [
    `**What changed**: adds \`${path}\`, a note that stands in for the change #${item.number} asks for.`,
    `**How it was verified**: it was not: the ${REHEARSAL_NAME} wrote it by fixed rules, without reading the code.`,
    '**Risks and follow-ups**: none beyond the new note; replace it with the real change, or close this pull request.',
  ].join('\n\n')
  return callTools(
    tools,
    { name: 'comment', arguments: { body: plan } },
    {
      name: 'propose_change',
      arguments: { title: item.title.length >= 3 ? item.title : `Note for #${item.number}`, body, files: [{ path, content: noteText(agent, item) }] },
    },
  )
}

/** Where the note for an item goes: under `rehearsal/`, named after the item's number and title. */
export function notePath(item: Pick<RehearsalItem, 'number' | 'title'>): string {
  const slug = item.title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 50)
    .replace(/-+$/, '')
  return `rehearsal/${item.number}${slug ? `-${slug}` : ''}.md`
}

/** The note's markdown. */
export function noteText(agent: RehearsalAgent, item: RehearsalItem): string {
  const quote = (text: string) =>
    text
      .split('\n')
      .slice(0, QUOTED_LINES)
      .map((line) => `> ${line}`.trimEnd())
      .join('\n')
  const sections = [
    `# ${item.title}`,
    `A note for #${item.number}, proposed by ${agent.name} (\`${agent.slug}\`) through Gaffer's ${REHEARSAL_NAME}. A real model would make the change this item asks for; this note stands in for it, so the way work flows through the company can be rehearsed end to end.`,
    `## What the item asks\n\n${item.body ? quote(item.body) : '> (the item has no description)'}`,
  ]
  const answers = item.comments.filter((comment) => !comment.byGaffer)
  if (answers.length > 0) sections.push(`## What people said\n\n${answers.map((c) => `@${c.author}:\n\n${quote(c.body)}`).join('\n\n')}`)
  return `${sections.join('\n\n')}\n`
}
