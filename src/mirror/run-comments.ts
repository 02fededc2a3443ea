import type { CommentCache } from '../github/comment-cache.ts'
import { listComments } from '../github/list-comments.ts'
import type { Octokit } from '../github/octokit.ts'
import type { IssueComment } from '../github/schema.ts'
import { mirroredComments, recordComment, recordCommentRead, type CommentVersion, type CommentedItem } from '../store/item-comments.ts'
import type { Pool } from '../store/pool.ts'

/**
 * A run's comments, kept by the mirror (docs/decisions.md "Comments from the mirror, read
 * since the last read"). Each item's are looked up once per run: taken as mirrored when
 * GitHub confirmed them within a lease (`leaseMs`) and no later change about the item
 * waits to be applied; otherwise read from GitHub, only what changed since the last read
 * (`since`), or all of them when never read or when the mirror holds more than GitHub
 * counts. What the run writes is recorded in the mirror and added to what it looked up.
 */
export function createRunComments(deps: { pool: Pool; botLogin: () => string; leaseMs: number }): CommentCache {
  const looked = new Map<string, Promise<IssueComment[]>>()
  const key = (item: CommentedItem) => `${item.repository}#${item.number}`
  return {
    list(octokit, item) {
      let comments = looked.get(key(item))
      if (!comments) {
        comments = commentsOf(deps, octokit, item)
        // A failed look is not kept: the next caller tries again.
        comments.catch(() => looked.delete(key(item)))
        looked.set(key(item), comments)
      }
      return comments
    },
    async wrote(item, comment, change) {
      const version = mirrorableVersion(comment)
      if (version) await recordComment(deps.pool, item, version, { created: change === 'created' })
      const comments = looked.get(key(item))
      if (comments)
        looked.set(
          key(item),
          comments.then((known) => [...known.filter((c) => c.id !== comment.id), comment]),
        )
    },
  }
}

async function commentsOf(
  deps: { pool: Pool; botLogin: () => string; leaseMs: number },
  octokit: Octokit,
  item: CommentedItem,
): Promise<IssueComment[]> {
  const look = () => mirroredComments(deps.pool, item, { leaseMs: deps.leaseMs, botLogin: deps.botLogin() })
  const known = await look()
  if (known?.fresh) return known.comments
  const since = known && !known.readAll && known.readSince ? { since: known.readSince } : {}
  const read = await listComments(octokit, item, since)
  // An item the mirror does not have (none a run works): nothing to keep its comments in.
  if (!known) return read
  await recordCommentRead(deps.pool, item, { comments: read.flatMap((c) => mirrorableVersion(c) ?? []), all: !('since' in since), asOf: known.asOf })
  return (await look())?.comments ?? read
}

/** GitHub always gives a comment's `updated_at`; one without it (not GitHub's shape) is not mirrored. */
function mirrorableVersion(comment: IssueComment): CommentVersion | undefined {
  return comment.updated_at === undefined ? undefined : { ...comment, updated_at: comment.updated_at }
}
