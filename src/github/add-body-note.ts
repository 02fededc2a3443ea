import { withBodyNote } from '../company/with-body-note.ts'
import type { Octokit } from './octokit.ts'

/** The writes that carry text a person reads: issues, comments, pull requests and reviews, opened or edited. */
const WRITES_WITH_TEXT = new Set([
  'POST /repos/{owner}/{repo}/issues',
  'POST /repos/{owner}/{repo}/issues/{issue_number}/comments',
  'PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}',
  'POST /repos/{owner}/{repo}/pulls',
  'PATCH /repos/{owner}/{repo}/pulls/{pull_number}',
  'POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews',
])

/**
 * Adds `note` to the text of every issue, comment, pull request and review this Octokit
 * writes until the returned function is called. The rehearsal runtime uses it, so what
 * its runs write says who wrote it whichever code path does the writing.
 */
export function addBodyNote(octokit: Octokit, note: string): () => void {
  const hook = (options: { method?: string; url?: string; body?: unknown }) => {
    if (typeof options.body === 'string' && WRITES_WITH_TEXT.has(`${options.method} ${options.url}`)) options.body = withBodyNote(options.body, note)
  }
  octokit.hook.before('request', hook)
  return () => octokit.hook.remove('request', hook)
}
