import { listComments } from './list-comments.ts'
import type { Octokit } from './octokit.ts'
import type { IssueComment } from './schema.ts'

/**
 * One run's view of its items' comments: each item's comments are read from GitHub once
 * per run, and what the run itself writes is added to what was read. The context and
 * the lookup of Gaffer's own marked comment (so a second `comment` edits instead of
 * repeating) then share one read instead of listing the comments each time.
 */
export type CommentCache = {
  list(octokit: Octokit, item: { repository: string; number: number }): Promise<IssueComment[]>
  /** A comment this run created or edited, as GitHub answered it. */
  wrote(item: { repository: string; number: number }, comment: IssueComment): void
}

export function createCommentCache(): CommentCache {
  const read = new Map<string, Promise<IssueComment[]>>()
  const key = (item: { repository: string; number: number }) => `${item.repository}#${item.number}`
  return {
    list(octokit, item) {
      let comments = read.get(key(item))
      if (!comments) {
        comments = listComments(octokit, item)
        // A failed read is not kept: the next caller asks GitHub again.
        comments.catch(() => read.delete(key(item)))
        read.set(key(item), comments)
      }
      return comments
    },
    wrote(item, comment) {
      const comments = read.get(key(item))
      if (!comments) return
      read.set(
        key(item),
        comments.then((known) => [...known.filter((c) => c.id !== comment.id), comment]),
      )
    },
  }
}
