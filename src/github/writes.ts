import { z } from 'zod'
import type { Logger } from '../log.ts'
import { forgetLabelIds, learnLabelIds, repositoryLabelIds } from './label-node-ids.ts'
import { apiBaseUrlOf } from './installation-token.ts'
import { httpStatus, splitRepository, type Octokit } from './octokit.ts'
import { readBranch } from './read-branch.ts'
import { readCommitTreeSha } from './read-tree.ts'
import { PullRequest } from './read-pull-request.ts'

/**
 * Every write Gaffer makes to GitHub goes through this module (labels, issues,
 * comments, pull requests, commits, check runs), so the rest of the app never
 * builds a request by hand and a reader finds each write in one place.
 */

export type ItemRef = { repository: string; number: number }

const at = (item: ItemRef) => {
  const { owner, repo } = splitRepository(item.repository)
  return { owner, repo, issue_number: item.number }
}

const labelNames = (labels: ReadonlyArray<string | { name?: string }>) =>
  labels.map((label) => (typeof label === 'string' ? label : (label.name ?? '')))

/**
 * Changes an item's labels as a delta: adds `add` and removes `remove`, never writing a
 * label set read earlier, so a concurrent human edit is never lost. Returns the labels
 * GitHub reports after the last request (the item's labels now, others' edits included).
 * GitHub's REST API has no single request for add-and-remove: adding goes first, so an
 * item is never left without the label it is moving to.
 */
export async function changeLabels(
  octokit: Octokit,
  item: ItemRef,
  delta: { add?: readonly string[]; remove?: readonly string[] | ((label: string) => boolean) },
): Promise<string[] | undefined> {
  const add = [...new Set(delta.add ?? [])]
  let labels: string[] | undefined
  if (add.length > 0) {
    const response = await octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/labels', { ...at(item), labels: add })
    labels = labelNames(response.data)
    learnLabelIds(octokit, item.repository, response.data)
  }
  // A predicate picks from the labels GitHub just reported, so a label a person added meanwhile is seen.
  const wanted = typeof delta.remove === 'function' ? (labels ?? []).filter(delta.remove) : [...new Set(delta.remove ?? [])]
  const remove = wanted.filter((label) => !add.includes(label))
  for (const name of remove) {
    if (labels !== undefined && !labels.includes(name)) continue
    try {
      const response = await octokit.request('DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels/{name}', { ...at(item), name })
      labels = labelNames(response.data)
    } catch (error) {
      // Already gone (a person removed it meanwhile) is the state we wanted.
      if (httpStatus(error) !== 404) throw error
    }
  }
  return labels
}

/** Closes an issue as completed. */
async function closeIssue(octokit: Octokit, item: ItemRef): Promise<void> {
  await octokit.request('PATCH /repos/{owner}/{repo}/issues/{issue_number}', { ...at(item), state: 'closed', state_reason: 'completed' })
}

/** Closes a pull request without merging it. */
async function closePullRequest(octokit: Octokit, item: ItemRef): Promise<void> {
  const { owner, repo } = splitRepository(item.repository)
  await octokit.request('PATCH /repos/{owner}/{repo}/pulls/{pull_number}', { owner, repo, pull_number: item.number, state: 'closed' })
}

/** A status move's writes on an item: its labels as a delta, and its closing when the move finishes it. */
export type LabelMove = {
  add: readonly string[]
  /** The labels to remove, or which of the item's labels to remove. */
  remove: readonly string[] | ((label: string) => boolean)
  /** The item's labels as the mover last saw them. */
  seen: readonly string[]
  /** Closes the item too (an issue as completed, a pull request without merging). */
  close?: 'issue' | 'pull' | undefined
}

/** The APIs (base URLs) found to have no GitHub GraphQL: their moves go by REST for the rest of the process. */
const withoutGraphql = new Set<string>()

/**
 * Moves an item's labels (and closes it) in one GitHub GraphQL request where it can: one
 * mutation document adds, then removes, then closes (GraphQL runs a document's mutations
 * in order), and answers the item's labels after the last one. Labels are named by their
 * ids, so a label not known to the repository's ids goes by REST (`changeLabels`, which
 * creates a label GitHub lacks), and so does an item whose id the mirror lacks, a GitHub
 * without GraphQL (remembered per API, logged once) and a mutation GitHub refused, in whole
 * or in part: the REST deltas then finish the move from the labels GitHub has (an add
 * that failed is made, a remove already done is skipped, a close again is harmless).
 * Only labels seen on the item are removed in the one request (a label added meanwhile
 * that the move would remove is a person's edit, handled when its webhook comes); a
 * person's other labels are never named. Returns the labels after the move, when known.
 */
export async function moveLabels(
  octokit: Octokit,
  item: ItemRef & { nodeId?: string | null | undefined },
  move: LabelMove,
  log?: Logger,
): Promise<string[] | undefined> {
  const api = apiBaseUrlOf(octokit)
  if (item.nodeId && !withoutGraphql.has(api)) {
    const plan = await planLabelMutation(octokit, item.repository, move)
    if (plan === 'nothing') return undefined
    if (plan) {
      const sent = await sendLabelMutation(octokit, item.nodeId, plan)
      if (sent.applied) {
        learnLabelIds(
          octokit,
          item.repository,
          (sent.labels ?? []).map((label) => ({ name: label.name, node_id: label.id })),
        )
        return sent.labels?.map((label) => label.name)
      }
      if (sent.unavailable) {
        // Moves sent at once may all find out; the first to come back says so.
        if (!withoutGraphql.has(api))
          log?.warn({ api, reason: sent.reason }, 'this GitHub has no GraphQL for label moves; moving labels by REST from now on')
        withoutGraphql.add(api)
      } else {
        // An id GitHub refused may be a label renamed or deleted since it was read; what it
        // applied, if anything, is finished or repaired by the REST deltas below.
        forgetLabelIds(octokit, item.repository)
        log?.info({ item: `${item.repository}#${item.number}`, reason: sent.reason }, 'GitHub refused the label move as one request; moving by REST')
      }
    }
  }
  const labels =
    move.add.length > 0 || typeof move.remove !== 'function' ? await changeLabels(octokit, item, { add: move.add, remove: move.remove }) : undefined
  if (move.close === 'pull') await closePullRequest(octokit, item)
  else if (move.close === 'issue') await closeIssue(octokit, item)
  return labels
}

type LabelMutation = { add: string[]; remove: string[]; close: 'issue' | 'pull' | undefined }

/** The ids a move names; undefined when one is not known (REST then), `nothing` when there is nothing to send. */
async function planLabelMutation(octokit: Octokit, repository: string, move: LabelMove): Promise<LabelMutation | 'nothing' | undefined> {
  // Ids that cannot be read (a refusal, a GitHub without the route) leave the move to REST.
  const ids = await repositoryLabelIds(octokit, repository).catch(() => undefined)
  if (!ids) return undefined
  const add = [...new Set(move.add)]
  const addIds = add.map((name) => ids.get(name))
  if (addIds.some((id) => id === undefined)) return undefined
  const removed = (typeof move.remove === 'function' ? move.seen.filter(move.remove) : move.remove.filter((name) => move.seen.includes(name))).filter(
    (name) => !add.includes(name),
  )
  const removeIds = [...new Set(removed)].map((name) => ids.get(name))
  if (removeIds.some((id) => id === undefined)) return undefined
  if (addIds.length === 0 && removeIds.length === 0 && move.close === undefined) return 'nothing'
  return { add: addIds as string[], remove: removeIds as string[], close: move.close }
}

const LabelNodes = z.object({ totalCount: z.int(), nodes: z.array(z.object({ id: z.string(), name: z.string() })) })
const LABELS_AFTER = 'labels(first: 100) { totalCount nodes { id name } }'

/**
 * The one mutation document, built only from the fixed parts a move uses (every value
 * goes as a variable): its fields are aliased `added`, `removed`, `closed`, and the last
 * of them answers the labels.
 */
function labelMutationDocument(plan: LabelMutation): { query: string; fields: string[] } {
  const parts: Array<{ field: string; variable: string; text: (answer: string) => string }> = []
  if (plan.add.length > 0)
    parts.push({
      field: 'added',
      variable: '$add: [ID!]!',
      text: (answer) => `added: addLabelsToLabelable(input: { labelableId: $item, labelIds: $add }) { ${answer} }`,
    })
  if (plan.remove.length > 0)
    parts.push({
      field: 'removed',
      variable: '$remove: [ID!]!',
      text: (answer) => `removed: removeLabelsFromLabelable(input: { labelableId: $item, labelIds: $remove }) { ${answer} }`,
    })
  if (plan.close === 'issue')
    parts.push({
      field: 'closed',
      variable: '',
      text: (answer) => `closed: closeIssue(input: { issueId: $item, stateReason: COMPLETED }) { ${answer} }`,
    })
  if (plan.close === 'pull')
    parts.push({ field: 'closed', variable: '', text: (answer) => `closed: closePullRequest(input: { pullRequestId: $item }) { ${answer} }` })
  const last = parts.length - 1
  const answerOf = (index: number) => {
    if (index !== last) return 'clientMutationId'
    const owner = parts[index]!.field === 'closed' ? (plan.close === 'pull' ? 'pullRequest' : 'issue') : 'labelable'
    return `${owner} { ${LABELS_AFTER} }`
  }
  const variables = ['$item: ID!', ...parts.map((part) => part.variable).filter(Boolean)].join(', ')
  return {
    query: `mutation GafferMoveLabels(${variables}) {\n${parts.map((part, index) => `  ${part.text(answerOf(index))}`).join('\n')}\n}`,
    fields: parts.map((part) => part.field),
  }
}

type MutationOutcome =
  { applied: true; labels: Array<{ id: string; name: string }> | undefined } | { applied: false; unavailable: boolean; reason: string }

async function sendLabelMutation(octokit: Octokit, itemId: string, plan: LabelMutation): Promise<MutationOutcome> {
  const { query, fields } = labelMutationDocument(plan)
  const variables = { item: itemId, ...(plan.add.length > 0 && { add: plan.add }), ...(plan.remove.length > 0 && { remove: plan.remove }) }
  let data: Record<string, unknown> | null | undefined
  try {
    data = await octokit.graphql<Record<string, unknown>>(query, variables)
  } catch (error) {
    const status = httpStatus(error)
    const errors = graphqlErrors(error)
    const reason = errors.map((e) => e.message).join('; ') || (error instanceof Error ? error.message : String(error))
    if (status === 404 || errors.some(meansUnknownSchema)) return { applied: false, unavailable: true, reason }
    // A rate limit is waited out by the request hook and the request sent again; past that it is the caller's failure.
    if (status === 403 || status === 429) throw error
    // Anything else GitHub refused, failed (a 5xx its retries did not get past) or applied in
    // part (it runs the rest of a document after a failed field: a stale label id can leave the
    // item without its old status label and without the new one) is finished by the caller's
    // REST deltas, which repair what ran; if GitHub fails those too, the move fails as before.
    const partial = (error as { data?: Record<string, unknown> | null }).data
    const applied = fields.some((field) => partial?.[field] != null)
    return { applied: false, unavailable: false, reason: applied ? `applied in part: ${reason}` : reason }
  }
  const answer = data?.[fields.at(-1)!] as Record<string, { labels?: unknown } | null> | null | undefined
  const owner = answer && Object.values(answer)[0]
  const labels = LabelNodes.safeParse(owner?.labels)
  // More labels than one page holds: the caller works them out from the delta.
  return { applied: true, labels: labels.success && labels.data.totalCount <= labels.data.nodes.length ? labels.data.nodes : undefined }
}

type GraphqlError = { message: string; type?: string; extensions?: { code?: string } }

/** The errors a GraphQL answer listed, thrown by octokit's `graphql` (status 200) or in a refused request's body. */
function graphqlErrors(error: unknown): GraphqlError[] {
  if (typeof error !== 'object' || error === null) return []
  const listed = 'errors' in error ? error.errors : (error as { response?: { data?: { errors?: unknown } } }).response?.data?.errors
  return Array.isArray(listed) ? listed.filter((e): e is GraphqlError => typeof e === 'object' && e !== null && typeof e.message === 'string') : []
}

/** An error that says the schema has no such mutation or type: a GraphQL that is not GitHub's. */
function meansUnknownSchema(error: GraphqlError): boolean {
  if (error.extensions?.code === 'undefinedField' || error.extensions?.code === 'undefinedType') return true
  return /cannot query field|doesn't exist on type|unknown type|unknown argument|is not defined by type/i.test(error.message)
}

/** Opens an issue with labels; returns GitHub's issue as it answered. */
export async function createIssue(octokit: Octokit, repository: string, issue: { title: string; body: string; labels: string[] }): Promise<unknown> {
  const { owner, repo } = splitRepository(repository)
  return (await octokit.request('POST /repos/{owner}/{repo}/issues', { owner, repo, ...issue })).data
}

export async function createComment(octokit: Octokit, item: ItemRef, body: string): Promise<{ id: number }> {
  const { data } = await octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', { ...at(item), body })
  return { id: Number(data.id) }
}

export async function updateComment(octokit: Octokit, repository: string, commentId: number, body: string): Promise<void> {
  const { owner, repo } = splitRepository(repository)
  await octokit.request('PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}', { owner, repo, comment_id: commentId, body })
}

/**
 * Posts a new check run. There is no update: GitHub does not let a completed run change
 * its status or conclusion, so every new decision is a new run (the newest one counts).
 */
export async function createCheckRun(
  octokit: Octokit,
  repository: string,
  run: { name: string; headSha: string; conclusion: 'success' | 'failure' | 'pending'; title: string; summary: string },
): Promise<{ id: number }> {
  const { owner, repo } = splitRepository(repository)
  const status =
    run.conclusion === 'pending'
      ? { status: 'in_progress' as const }
      : { status: 'completed' as const, conclusion: run.conclusion, completed_at: new Date().toISOString() }
  const { data } = await octokit.request('POST /repos/{owner}/{repo}/check-runs', {
    owner,
    repo,
    name: run.name,
    head_sha: run.headSha,
    ...status,
    output: { title: run.title, summary: run.summary },
  })
  return { id: Number(data.id) }
}

/** A review with a body only (`COMMENT`) on one commit of a pull request. */
export async function createReviewComment(octokit: Octokit, item: ItemRef, review: { commitId: string; body: string }): Promise<void> {
  const { owner, repo } = splitRepository(item.repository)
  await octokit.request('POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews', {
    owner,
    repo,
    pull_number: item.number,
    commit_id: review.commitId,
    event: 'COMMENT',
    body: review.body,
  })
}

const Sha = z.object({ sha: z.string() })

/** The branch moved while a commit was being added to it, twice in a row. */
export class BranchMovedError extends Error {
  readonly branch: string
  constructor(branch: string) {
    super(`the branch ${branch} kept moving while a commit was being added to it`)
    this.name = 'BranchMovedError'
    this.branch = branch
  }
}

/** A file of a commit: its whole new content (executable or not), or its deletion. */
export type CommittedFile = { path: string; content: string; executable?: boolean } | { path: string; deleted: true }

/**
 * Commits whole files (and deletions) to `branch` on top of what it holds, and returns the
 * commit's SHA. A branch that does not exist yet starts from `base`'s head. An existing
 * branch is only ever moved forward (never forced), so commits a person pushed to it stay;
 * if someone pushes in between, the commit is rebuilt on the new head once, then it gives up.
 * `createdBranch` says the branch did not exist before this commit (so no pull request
 * can be open from it yet).
 *
 * `likelyNew` (nothing suggests the branch exists) skips reading the branch: the commit is
 * built on `base` and the branch created with it. If GitHub answers that the branch exists
 * after all (422), the commit is built again on the branch's head, as when it was read.
 * Each head is read with its tree in one request where GitHub says the tree.
 */
export async function commitFiles(
  octokit: Octokit,
  repository: string,
  change: { branch: string; base: string; message: string; files: ReadonlyArray<CommittedFile>; likelyNew?: boolean },
): Promise<{ sha: string; createdBranch: boolean }> {
  const { owner, repo } = splitRepository(repository)
  const at = { owner, repo }
  // undefined: the branch does not exist, or (likelyNew) was not read.
  let head = change.likelyNew === true ? undefined : await readBranch(octokit, repository, change.branch)
  let headWasRead = change.likelyNew !== true
  let moves = 0
  for (;;) {
    const onto = head ?? (await readBranch(octokit, repository, change.base))
    if (onto === undefined) throw new Error(`${repository} has no branch ${change.base} to start ${change.branch} from`)
    const baseTree = onto.treeSha ?? (await readCommitTreeSha(octokit, repository, onto.sha))
    const tree = Sha.parse(
      (
        await octokit.request('POST /repos/{owner}/{repo}/git/trees', {
          ...at,
          base_tree: baseTree,
          tree: change.files.map(treeEntry),
        })
      ).data,
    ).sha
    const commit = Sha.parse(
      (await octokit.request('POST /repos/{owner}/{repo}/git/commits', { ...at, message: change.message, tree, parents: [onto.sha] })).data,
    ).sha
    try {
      if (head === undefined) await octokit.request('POST /repos/{owner}/{repo}/git/refs', { ...at, ref: `refs/heads/${change.branch}`, sha: commit })
      else await octokit.request('PATCH /repos/{owner}/{repo}/git/refs/{ref}', { ...at, ref: `heads/${change.branch}`, sha: commit, force: false })
      return { sha: commit, createdBranch: head === undefined }
    } catch (error) {
      // 422: the branch exists although it was not read (or was created since it was read),
      // or it moved since it was read (not a fast-forward any more).
      if (httpStatus(error) !== 422) throw error
      if (headWasRead) {
        moves += 1
        if (moves === 2) throw new BranchMovedError(change.branch)
      }
      const refused = head
      head = await readBranch(octokit, repository, change.branch)
      // A creation refused for a branch that still does not exist was refused for another reason.
      if (refused === undefined && head === undefined) throw error
      headWasRead = true
    }
  }
}

/** A tree entry for one file; `sha: null` is how the Git Data API deletes a path from the base tree. */
function treeEntry(file: CommittedFile) {
  if ('deleted' in file) return { path: file.path, mode: '100644' as const, type: 'blob' as const, sha: null }
  return { path: file.path, mode: file.executable === true ? ('100755' as const) : ('100644' as const), type: 'blob' as const, content: file.content }
}

/**
 * Opens a pull request as a draft. GitHub refuses drafts (422) on plans without them;
 * then it opens a normal one with `bodyIfNotDraft`, and `draft` says which it got.
 */
export async function openPullRequest(
  octokit: Octokit,
  repository: string,
  pull: { title: string; head: string; base: string; body: string; bodyIfNotDraft: string },
): Promise<PullRequest> {
  const { owner, repo } = splitRepository(repository)
  const open = { owner, repo, title: pull.title, head: pull.head, base: pull.base }
  try {
    return PullRequest.parse((await octokit.request('POST /repos/{owner}/{repo}/pulls', { ...open, body: pull.body, draft: true })).data)
  } catch (error) {
    if (httpStatus(error) !== 422 || !/draft/i.test(errorText(error))) throw error
  }
  return PullRequest.parse((await octokit.request('POST /repos/{owner}/{repo}/pulls', { ...open, body: pull.bodyIfNotDraft })).data)
}

export async function updatePullRequest(octokit: Octokit, item: ItemRef, pull: { title: string; body: string }): Promise<PullRequest> {
  const { owner, repo } = splitRepository(item.repository)
  return PullRequest.parse(
    (await octokit.request('PATCH /repos/{owner}/{repo}/pulls/{pull_number}', { owner, repo, pull_number: item.number, ...pull })).data,
  )
}

/** GitHub's error message and its listed errors, as one text to match on. */
function errorText(error: unknown): string {
  const data =
    typeof error === 'object' && error !== null && 'response' in error ? (error as { response?: { data?: unknown } }).response?.data : undefined
  return `${error instanceof Error ? error.message : ''} ${JSON.stringify(data ?? '')}`
}

/**
 * Adds `childId` (the child's numeric issue id, not its number) as a sub-issue of the
 * parent. Sub-issues are not available everywhere (older GitHub Enterprise, some plans,
 * the emulated GitHub): a refusal is returned, not thrown, so the caller logs it and the
 * delegation it belongs to goes on.
 */
export async function addSubIssue(octokit: Octokit, parent: ItemRef, childId: number): Promise<{ added: true } | { added: false; status: number }> {
  try {
    await octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/sub_issues', { ...at(parent), sub_issue_id: childId })
    return { added: true }
  } catch (error) {
    const status = httpStatus(error)
    if (status === 403 || status === 404 || status === 410 || status === 422) return { added: false, status }
    throw error
  }
}

/** Asks GitHub to send one of the app's webhook deliveries again (app JWT, not an installation). */
export async function redeliverHookDelivery(appOctokit: Pick<Octokit, 'request'>, id: number): Promise<void> {
  await appOctokit.request('POST /app/hook/deliveries/{delivery_id}/attempts', { delivery_id: id })
}
