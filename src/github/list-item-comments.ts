import { z } from 'zod'
import type { EtagCache } from './etag-cache.ts'
import { splitRepository, type Octokit } from './octokit.ts'

const TimelineComment = z.object({
  id: z.int(),
  body: z.string().nullable().optional(),
  user: z.object({ login: z.string(), type: z.string().optional() }).nullable().optional(),
  created_at: z.string(),
})

export type ItemComment = { id: number; author: string | null; bot: boolean; body: string; createdAt: string }

/**
 * The first 100 comments of an item, for the dashboard's item page. Read with a
 * conditional request: a page that refreshes while nothing changed costs GitHub a 304,
 * which does not count against the rate limit.
 */
export async function listItemComments(etags: EtagCache, octokit: Octokit, item: { repository: string; number: number }): Promise<ItemComment[]> {
  const { data } = await etags.get(octokit, 'GET /repos/{owner}/{repo}/issues/{issue_number}/comments', {
    ...splitRepository(item.repository),
    issue_number: item.number,
    per_page: 100,
  })
  return z
    .array(TimelineComment)
    .parse(data)
    .map((comment) => ({
      id: comment.id,
      author: comment.user?.login ?? null,
      bot: comment.user?.type === 'Bot',
      body: comment.body ?? '',
      createdAt: comment.created_at,
    }))
}
