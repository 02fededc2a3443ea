import { parseMarker } from '../company/marker.ts'
import type { CommentCache } from '../github/comment-cache.ts'
import type { Octokit } from '../github/octokit.ts'
import { atLeast } from '../company/access.ts'
import type { PermissionOf } from '../github/permissions.ts'
import { ancestorsOf, childrenOf } from '../store/item-context.ts'
import type { Pool } from '../store/pool.ts'
import type { WorkItem } from '../store/work-items.ts'
import type { Ancestor, ChildOutcome, VisibleComment } from './prompt.ts'

export type CommentAccess = 'writers' | 'everyone'

/**
 * What the model may see of an item: its goal chain (from the mirror), the comments
 * of people with write access (or everyone, if configured) and Gaffer's own, and, for
 * an item back from `waiting`, each child's outcome and its owner's report.
 */
export async function loadItemContext(deps: {
  pool: Pool
  octokit: Octokit
  item: WorkItem
  botLogin: string
  permissionOf: PermissionOf
  commentAccess: CommentAccess
  /** The run's comments: the ones looked up here are the ones its marked comments are looked up in. */
  comments: CommentCache
}): Promise<{ goalChain: Ancestor[]; comments: VisibleComment[]; children: ChildOutcome[] }> {
  const { pool, octokit, item } = deps
  const list = (number: number) => deps.comments.list(octokit, { repository: item.repository, number })

  const comments: VisibleComment[] = []
  for (const comment of await list(item.number)) {
    const login = comment.user?.login ?? ''
    const byGaffer = login === deps.botLogin
    if (parseMarker(comment.body)?.kind === 'progress' && byGaffer) continue
    const visible =
      byGaffer ||
      (comment.user?.type !== 'Bot' &&
        (deps.commentAccess === 'everyone' || atLeast(await deps.permissionOf(octokit, item.repository, login), 'write')))
    if (visible) comments.push({ author: login, body: comment.body ?? '', byGaffer })
  }

  const children: ChildOutcome[] = []
  for (const child of (await childrenOf(pool, item.repository, item.number)).slice(0, 20)) {
    const finished = child.state === 'closed' || child.status === 'done' || child.status === 'review'
    const report = finished
      ? ((await list(child.number)).find((c) => {
          const marker = parseMarker(c.body)
          return c.user?.login === deps.botLogin && marker?.kind === 'progress' && marker.agent === child.owner_agent
        })?.body ?? undefined)
      : undefined
    children.push({ number: child.number, title: child.title, status: child.status, state: child.state, owner: child.owner_agent, report })
  }
  return { goalChain: await ancestorsOf(pool, item.repository, item.number), comments, children }
}
