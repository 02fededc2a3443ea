import { z } from 'zod'
import type { GitHubItem } from '../store/work-items.ts'

export const Label = z.object({ name: z.string() })

/** The fields of an issue or pull request (REST or webhook shape) that Gaffer reads. */
export const GitHubIssue = z.object({
  number: z.int().positive(),
  node_id: z.string().optional(),
  title: z.string(),
  // Absent from a few events (e.g. issues.pinned); the mirror then keeps the state it has.
  state: z.enum(['open', 'closed']).optional(),
  body: z.string().nullable().optional(),
  user: z.object({ login: z.string() }).nullable().optional(),
  labels: z.array(z.union([z.string(), Label])).default([]),
  created_at: z.string(),
  updated_at: z.string(),
  pull_request: z.unknown().optional(),
  // GitHub's count of the item's comments; absent from some shapes (a pull request as the pulls API answers it).
  comments: z.int().nonnegative().optional(),
})
export type GitHubIssue = z.infer<typeof GitHubIssue>

export const GitHubRepository = z.object({
  full_name: z.string().regex(/^[^/]+\/[^/]+$/),
  default_branch: z.string().optional(),
})

export const Sender = z.object({ login: z.string(), type: z.string().optional() })

export const Installation = z.object({ id: z.int().positive() })

/** An issue or pull request comment, as the REST API lists it and webhooks carry it. */
export const IssueComment = z.object({
  id: z.int(),
  body: z.string().nullable().optional(),
  user: Sender.nullable().optional(),
  // When it was last edited (GitHub's clock): what a read `since` compares.
  updated_at: z.string().optional(),
})
export type IssueComment = z.infer<typeof IssueComment>

export function toGitHubItem(repository: string, issue: GitHubIssue, kind?: 'issue' | 'pull'): GitHubItem {
  return {
    repository,
    number: issue.number,
    kind: kind ?? (issue.pull_request === undefined ? 'issue' : 'pull'),
    title: issue.title,
    state: issue.state,
    labels: issue.labels.map((label) => (typeof label === 'string' ? label : label.name)),
    author: issue.user?.login ?? null,
    body: issue.body ?? null,
    createdAt: issue.created_at,
    updatedAt: issue.updated_at,
    comments: issue.comments,
    // A pull request seen through the issues API (a comment's event) is named by its
    // pull request's id only where it is read as a pull request.
    nodeId: kind === 'pull' || issue.pull_request === undefined ? issue.node_id : undefined,
  }
}

/**
 * A branch as `GET /repos/{owner}/{repo}/branches/{branch}` answers it: its name and head
 * commit, whose tree GitHub includes (the emulated GitHub answers the commit's SHA alone).
 */
export const Branch = z.object({
  name: z.string(),
  commit: z.object({ sha: z.string(), commit: z.object({ tree: z.object({ sha: z.string() }) }).optional() }),
})

/** A git commit as the Git Data API answers it: its tree. */
export const GitCommit = z.object({ tree: z.object({ sha: z.string() }) })

/** A pull request's reviews as GitHub lists them. */
export const PullRequestReviews = z.array(
  z.object({
    id: z.number(),
    state: z.string(),
    body: z.string().nullable().optional(),
    commit_id: z.string().nullable().optional(),
    user: Sender.nullable(),
  }),
)

/** The check runs of a commit as GitHub lists them. */
export const CheckRunList = z.object({
  check_runs: z.array(
    z.object({
      id: z.int(),
      name: z.string(),
      status: z.string(),
      conclusion: z.string().nullable().optional(),
      output: z.object({ title: z.string().nullable().optional(), summary: z.string().nullable().optional() }).optional(),
    }),
  ),
})
