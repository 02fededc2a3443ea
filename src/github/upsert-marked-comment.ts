import { trustedMarker, withMarker, type Marker } from '../company/marker.ts'
import type { CommentCache } from './comment-cache.ts'
import { listComments } from './list-comments.ts'
import { splitRepository, type Octokit } from './octokit.ts'
import { IssueComment } from './schema.ts'

/**
 * Edits Gaffer's comment with this marker kind (and agent, when given) on the item,
 * or creates it: never a second copy, so a retried run does not repeat itself. Only a
 * comment written by the app's own login (`botLogin`) is Gaffer's: a comment anyone
 * else planted with the same marker is never edited, Gaffer posts its own beside it.
 * A run passes its `comments` cache, so the comments it already read are not listed again.
 */
export async function upsertMarkedComment(
  octokit: Octokit,
  botLogin: string,
  item: { repository: string; number: number },
  marker: Marker & { kind: string },
  body: string,
  comments?: CommentCache,
): Promise<void> {
  const { owner, repo } = splitRepository(item.repository)
  const known = comments ? await comments.list(octokit, item) : await listComments(octokit, item)
  const existing = known.find((comment) => {
    const found = trustedMarker({ author: comment.user?.login, body: comment.body }, botLogin)
    return found?.kind === marker.kind && found.agent === marker.agent
  })
  const text = withMarker(body, marker)
  if (existing?.body === text) return
  const written = existing
    ? await octokit.request('PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}', { owner, repo, comment_id: existing.id, body: text })
    : await octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', { owner, repo, issue_number: item.number, body: text })
  const answered = IssueComment.safeParse(written.data)
  if (answered.success) await comments?.wrote(item, answered.data, existing ? 'edited' : 'created')
}
