import type { RehearsalItem } from './read-rehearsal-request.ts'

/**
 * The question an item asks that nobody has answered yet, or undefined. An item asks
 * when its title ends with "?" or the last line of its body does. It is answered once a
 * person comments on it with more than commands, or Gaffer's status note says a person
 * or a manager unblocked or reassigned it (`/unblock <answer>`, an `unblock` tool call).
 */
export function askedQuestion(item: Pick<RehearsalItem, 'title' | 'body' | 'comments'>): string | undefined {
  if (item.comments.some(isAnswer)) return undefined
  const title = item.title.trim()
  if (title.endsWith('?')) return title
  const last = item.body
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .at(-1)
  return last?.endsWith('?') ? last.replace(/^(?:>\s*|[-*+]\s+(?:\[[ x]\]\s+)?)/, '') : undefined
}

function isAnswer(comment: RehearsalItem['comments'][number]): boolean {
  if (comment.byGaffer) return /^(Unblocked|Assigned) by /.test(comment.body.trim())
  return comment.body.split('\n').some((line) => line.trim() !== '' && !line.trim().startsWith('/'))
}
