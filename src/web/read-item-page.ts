import type { ItemComment } from '../github/list-item-comments.ts'
import type { Logger } from '../log.ts'
import { listAudit } from '../store/audit-log.ts'
import { listChatTranscripts } from '../store/chat-transcripts.ts'
import { listCliTranscriptSummaries } from '../store/cli-transcripts.ts'
import { childrenOf } from '../store/item-context.ts'
import type { Pool } from '../store/pool.ts'
import { getWorkItem } from '../store/work-items.ts'

/** Timeline rows on an item page: its newest, oldest first. */
export const ITEM_TIMELINE_ROWS = 300

export type ItemPageDeps = {
  pool: Pool
  log: Logger
  /** The item's comments on GitHub; may fail (GitHub away, the app uninstalled), and the page shows why. */
  comments(item: { repository: string; number: number }): Promise<ItemComment[]>
}

/**
 * Everything the dashboard's item page shows: the item as mirrored, its parent and
 * children, its timeline (status moves, commands, routing and other audited decisions),
 * its comments on GitHub and its runs (chat and CLI, without their transcripts, which
 * are read one at a time).
 */
export async function readItemPage(deps: ItemPageDeps, repository: string, number: number) {
  const item = await getWorkItem(deps.pool, repository, number)
  if (!item) return undefined
  const [parent, children, timeline, chat, cli, comments] = await Promise.all([
    item.parent_number === null ? undefined : getWorkItem(deps.pool, repository, item.parent_number),
    childrenOf(deps.pool, repository, number),
    listAudit(deps.pool, { repository, target: number, limit: ITEM_TIMELINE_ROWS }),
    listChatTranscripts(deps.pool, repository, number),
    listCliTranscriptSummaries(deps.pool, repository, number),
    deps.comments(item).then(
      (list) => ({ list, error: null }),
      (error: unknown) => {
        deps.log.warn({ err: error, item: `${repository}#${number}` }, 'could not read the comments for the item page')
        return { list: [] as ItemComment[], error: `GitHub did not answer: ${(error as Error).message}` }
      },
    ),
  ])
  const { failure_signature: _signature, failure_count: _count, ...shown } = item
  return {
    item: shown,
    parent: parent ? { number: parent.number, title: parent.title, status: parent.status, state: parent.state } : null,
    children: children.map((child) => ({
      number: child.number,
      title: child.title,
      status: child.status,
      state: child.state,
      owner: child.owner_agent,
    })),
    timeline: timeline.reverse(),
    comments: comments.list,
    commentsError: comments.error,
    runs: [...chat.map((run) => ({ kind: 'chat' as const, ...run })), ...cli.map((run) => ({ kind: 'cli' as const, ...run }))].sort(
      (a, b) => b.startedAt.getTime() - a.startedAt.getTime(),
    ),
  }
}
