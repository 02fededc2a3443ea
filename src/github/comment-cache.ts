import type { Octokit } from './octokit.ts'
import type { IssueComment } from './schema.ts'

/**
 * One run's view of its items' comments (`src/mirror/run-comments.ts` keeps it): each
 * item's comments are looked up once per run, and what the run itself writes is added to
 * them. The context and the lookup of Gaffer's own marked comment (so a second `comment`
 * edits instead of repeating) share that one look.
 */
export type CommentCache = {
  list(octokit: Octokit, item: { repository: string; number: number }): Promise<IssueComment[]>
  /** A comment this run created (`created`) or edited, as GitHub answered it. */
  wrote(item: { repository: string; number: number }, comment: IssueComment, change: 'created' | 'edited'): Promise<void>
}
