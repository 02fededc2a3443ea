import { Octokit } from '@octokit/rest'
import type { InterceptAnswer, ProxiedRequest } from './github-proxy.ts'

/** The mutations a status move sends, as the stand-in knows them: each field's alias and name. */
const FIELD = /(\w+): (addLabelsToLabelable|removeLabelsFromLabelable|closeIssue|closePullRequest)\(input: \{ (\w+): \$item(?:, labelIds: \$(\w+))?/g

export type StandInOptions = {
  /** Runs before a mutation is applied: a person's edit landing between Gaffer's read and its write. */
  beforeApply?: () => Promise<void>
  /** Answers a mutation instead of applying it (a refusal), or undefined to apply it. */
  answer?: (fields: string[]) => InterceptAnswer | undefined
  /** Applies only the first `n` mutations of the document and answers an error for the next (GitHub failing half-way). */
  applyOnly?: number
  /** Fails this field (its alias: `added`, `removed`, `closed`) and applies the rest, as GitHub goes on after a failed field (a stale label id). */
  failField?: string
}

/**
 * GitHub's GraphQL, as far as a status move uses it, in front of the emulated GitHub (which
 * has none): `POST /graphql` with the move's mutation document is applied, field by field
 * and in order, to the emulator through REST with the caller's own token (so the webhooks
 * it sends name the app as the sender, as GitHub's would), and answered as GitHub answers,
 * the last field with the item's labels. A mutation it does not know is answered with
 * GitHub's error for an unknown field. Everything else goes on to the emulator.
 */
export function graphqlStandIn(
  emulatorUrl: () => string,
  repository: () => string,
  options: () => StandInOptions = () => ({}),
): (request: ProxiedRequest) => Promise<InterceptAnswer | undefined> {
  return async (request) => {
    if (request.method !== 'POST' || request.path !== '/graphql') return undefined
    const { query, variables } = request.body as { query: string; variables: Record<string, unknown> }
    const fields = [...query.matchAll(FIELD)].map(([, alias, name, , labels]) => ({ alias: alias!, name: name!, labels: labels }))
    if (fields.length === 0 || !query.startsWith('mutation')) {
      return { status: 200, body: { errors: [{ message: "Field doesn't exist on type 'Mutation'", extensions: { code: 'undefinedField' } }] } }
    }
    const set = options()
    const refused = set.answer?.(fields.map((field) => field.alias))
    if (refused) return refused
    await set.beforeApply?.()
    const [owner, repo] = repository().split('/') as [string, string]
    const github = new Octokit({ baseUrl: emulatorUrl(), auth: (request.headers?.authorization ?? '').replace(/^(token|bearer) /i, ''), log: quiet })
    const itemId = String(variables.item)
    const items = [
      ...(await github.paginate('GET /repos/{owner}/{repo}/issues', { owner, repo, state: 'all', per_page: 100 })),
      ...(await github.paginate('GET /repos/{owner}/{repo}/pulls', { owner, repo, state: 'all', per_page: 100 })),
    ]
    const item = items.find((candidate) => candidate.node_id === itemId)
    if (!item) return notFound(fields, itemId)
    const labels = await github.paginate('GET /repos/{owner}/{repo}/labels', { owner, repo, per_page: 100 })
    const nameOf = (id: unknown) => labels.find((label) => label.node_id === id)?.name
    const data: Record<string, unknown> = {}
    for (const [index, field] of fields.entries()) {
      if (set.applyOnly !== undefined && index >= set.applyOnly) {
        for (const rest of fields.slice(index)) data[rest.alias] = null
        return {
          status: 200,
          body: { data, errors: [{ type: 'UNPROCESSABLE', path: [field.alias], message: 'Something went wrong while executing your query.' }] },
        }
      }
      if (field.alias === set.failField) {
        data[field.alias] = null
        continue
      }
      const ids = field.labels ? (variables[field.labels] as unknown[]) : []
      const names = ids.map(nameOf)
      if (names.some((name) => name === undefined)) return notFound(fields, String(ids.find((id) => nameOf(id) === undefined)))
      const at = { owner, repo, issue_number: item.number }
      if (field.name === 'addLabelsToLabelable')
        await github.request('POST /repos/{owner}/{repo}/issues/{issue_number}/labels', { ...at, labels: names as string[] })
      if (field.name === 'removeLabelsFromLabelable')
        for (const name of names)
          await github.request('DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels/{name}', { ...at, name: name! }).catch(() => {})
      if (field.name === 'closeIssue')
        await github.request('PATCH /repos/{owner}/{repo}/issues/{issue_number}', { ...at, state: 'closed', state_reason: 'completed' })
      if (field.name === 'closePullRequest')
        await github.request('PATCH /repos/{owner}/{repo}/pulls/{pull_number}', { owner, repo, pull_number: item.number, state: 'closed' })
      data[field.alias] = { clientMutationId: null }
    }
    const last = fields.at(-1)!
    const now = await github.request('GET /repos/{owner}/{repo}/issues/{issue_number}/labels', {
      owner,
      repo,
      issue_number: item.number,
      per_page: 100,
    })
    const owned = last.name === 'closeIssue' ? 'issue' : last.name === 'closePullRequest' ? 'pullRequest' : 'labelable'
    data[last.alias] = {
      [owned]: { labels: { totalCount: now.data.length, nodes: now.data.map((label) => ({ id: label.node_id, name: label.name })) } },
    }
    const failed = fields.find((field) => field.alias === set.failField)
    if (failed) return { status: 200, body: { data, errors: [{ type: 'NOT_FOUND', path: [failed.alias], message: 'Could not resolve to a node.' }] } }
    return { status: 200, body: { data } }
  }
}

const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} }

/** GitHub's answer for an id it cannot resolve: nothing applied. */
function notFound(fields: ReadonlyArray<{ alias: string }>, id: string): InterceptAnswer {
  return {
    status: 200,
    body: {
      data: Object.fromEntries(fields.map((field) => [field.alias, null])),
      errors: [{ type: 'NOT_FOUND', path: [fields[0]!.alias], message: `Could not resolve to a node with the global id of '${id}'` }],
    },
  }
}
