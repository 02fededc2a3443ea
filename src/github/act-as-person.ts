import type { Octokit as RestOctokit } from '@octokit/rest'
import { z } from 'zod'
import { splitRepository } from './octokit.ts'

const LabelName = z.union([z.string(), z.object({ name: z.string() })]).transform((label) => (typeof label === 'string' ? label : label.name))
const Issue = z.object({
  number: z.int(),
  title: z.string(),
  state: z.string(),
  html_url: z.string(),
  user: z.object({ login: z.string() }).nullable().optional(),
  labels: z.array(LabelName),
  pull_request: z.unknown().optional(),
})
const Comment = z.object({
  id: z.int(),
  body: z.string().nullable().optional(),
  user: z.object({ login: z.string() }).nullable().optional(),
  created_at: z.string(),
})

export type PersonIssue = {
  number: number
  title: string
  state: string
  kind: 'issue' | 'pull'
  author: string | null
  labels: string[]
  url: string
}
export type PersonComment = { id: number; author: string | null; body: string; createdAt: string }

/**
 * What the sandbox console does on GitHub as one of the demo people, with that person's
 * own token: GitHub (the emulated one) sends its webhooks to Gaffer as for any person.
 */
export function actAsPerson(octokit: RestOctokit, repository: string) {
  const at = splitRepository(repository)
  const toIssue = (raw: unknown): PersonIssue => {
    const issue = Issue.parse(raw)
    return {
      number: issue.number,
      title: issue.title,
      state: issue.state,
      kind: issue.pull_request === undefined || issue.pull_request === null ? 'issue' : 'pull',
      author: issue.user?.login ?? null,
      labels: issue.labels,
      url: issue.html_url,
    }
  }
  return {
    async openIssue(issue: { title: string; body: string; labels: string[] }): Promise<PersonIssue> {
      const { data } = await octokit.request('POST /repos/{owner}/{repo}/issues', { ...at, ...issue })
      return toIssue(data)
    },
    async comment(number: number, body: string): Promise<{ id: number }> {
      const { data } = await octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', { ...at, issue_number: number, body })
      return { id: Number(data.id) }
    },
    /** An approving review of a pull request. */
    async approve(number: number, body: string): Promise<{ id: number }> {
      const { data } = await octokit.request('POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews', {
        ...at,
        pull_number: number,
        event: 'APPROVE',
        ...(body ? { body } : {}),
      })
      return { id: Number(data.id) }
    },
    /** The newest issues and pull requests, open or closed. */
    async recent(): Promise<PersonIssue[]> {
      const { data } = await octokit.request('GET /repos/{owner}/{repo}/issues', {
        ...at,
        state: 'all',
        per_page: 30,
        sort: 'created',
        direction: 'desc',
      })
      return data.map(toIssue)
    },
    /** An issue's labels and comments, as a person sees them on GitHub. */
    async timeline(number: number): Promise<PersonIssue & { comments: PersonComment[] }> {
      const [{ data: issue }, { data: comments }] = await Promise.all([
        octokit.request('GET /repos/{owner}/{repo}/issues/{issue_number}', { ...at, issue_number: number }),
        octokit.request('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', { ...at, issue_number: number, per_page: 100 }),
      ])
      return {
        ...toIssue(issue),
        comments: z
          .array(Comment)
          .parse(comments)
          .map((comment) => ({ id: comment.id, author: comment.user?.login ?? null, body: comment.body ?? '', createdAt: comment.created_at })),
      }
    },
  }
}

export type PersonActions = ReturnType<typeof actAsPerson>
