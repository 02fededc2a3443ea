/** A child issue as the parent's children comment shows it. */
export type ChildEntry = { number: number; title: string; owner: string | null }

/**
 * The parent's children comment (SPEC §7): every child as a `#N` reference, which GitHub
 * renders as a link showing the child's current state (so the list never goes stale
 * on it), with its title and owner. It is a comment of
 * its own rather than a section of the agent's progress comment, because the agent's
 * `comment` tool replaces that text whole and would drop the list (docs/decisions.md).
 */
export function childrenListText(parent: number, children: readonly ChildEntry[]): string {
  if (children.length === 0) return `No children of #${parent} yet.`
  const lines = children.map((child) => `- #${child.number} ${oneLine(child.title)}${child.owner ? ` (\`${child.owner}\`)` : ''}`)
  return [`Children of #${parent}:`, '', ...lines].join('\n')
}

/** The visible first line of a child issue's body, so a reader sees its parent without the hidden marker. */
export function partOfLine(parent: number): string {
  return `Part of #${parent}`
}

// A title is one line of the list; a newline or a leading list marker would break it.
function oneLine(title: string): string {
  return title.replace(/\s+/g, ' ').trim()
}
