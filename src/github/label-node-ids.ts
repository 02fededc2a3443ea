import { z } from 'zod'
import { apiBaseUrlOf } from './installation-token.ts'
import { splitRepository, type Octokit } from './octokit.ts'

/**
 * GitHub's global ids of each repository's labels (`node_id`), by name: what a GraphQL
 * write names a label by. A repository's labels are read once per process, the first
 * time a write needs one of its ids, and then learned from every answer that carries
 * labels with their ids (a REST label write, a GraphQL move); a label created since the
 * read and never seen in an answer is simply not known, and its write goes by REST.
 * Kept per API (its base URL) and repository: ids mean nothing on another GitHub.
 */
const known = new Map<string, Map<string, string>>()
const reading = new Map<string, Promise<Map<string, string>>>()

const LabelWithId = z.object({ name: z.string(), node_id: z.string() })

const keyOf = (octokit: Octokit, repository: string) => `${apiBaseUrlOf(octokit)} ${repository}`

/** The repository's labels and their ids as this process knows them, read from GitHub the first time. */
export async function repositoryLabelIds(octokit: Octokit, repository: string): Promise<ReadonlyMap<string, string>> {
  const key = keyOf(octokit, repository)
  const ids = known.get(key)
  if (ids) return ids
  let read = reading.get(key)
  if (!read) {
    const { owner, repo } = splitRepository(repository)
    read = octokit
      .paginate('GET /repos/{owner}/{repo}/labels', { owner, repo, per_page: 100 })
      .then((labels) => {
        const ids = new Map(
          z
            .array(LabelWithId)
            .parse(labels)
            .map((label) => [label.name, label.node_id] as const),
        )
        known.set(key, ids)
        return ids
      })
      .finally(() => reading.delete(key))
    reading.set(key, read)
  }
  return read
}

/** Learns the ids of labels an answer carried (labels without an id are ignored). */
export function learnLabelIds(octokit: Octokit, repository: string, labels: ReadonlyArray<unknown>): void {
  const ids = known.get(keyOf(octokit, repository))
  if (!ids) return
  for (const label of labels) {
    const parsed = LabelWithId.safeParse(label)
    if (parsed.success) ids.set(parsed.data.name, parsed.data.node_id)
  }
}

/** Forgets what is known of a repository's labels (an id GitHub did not know): the next write reads them again. */
export function forgetLabelIds(octokit: Octokit, repository: string): void {
  known.delete(keyOf(octokit, repository))
}
