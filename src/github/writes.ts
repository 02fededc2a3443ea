import { httpStatus, splitRepository, type Octokit } from './octokit.ts'

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
  delta: { add?: readonly string[]; remove?: readonly string[] },
): Promise<string[] | undefined> {
  const add = [...new Set(delta.add ?? [])]
  const remove = [...new Set(delta.remove ?? [])].filter((label) => !add.includes(label))
  let labels: string[] | undefined
  if (add.length > 0) {
    const response = await octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/labels', { ...at(item), labels: add })
    labels = labelNames(response.data)
  }
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

/** Closes an issue as completed; returns its labels. */
export async function closeIssue(octokit: Octokit, item: ItemRef): Promise<string[]> {
  const response = await octokit.request('PATCH /repos/{owner}/{repo}/issues/{issue_number}', {
    ...at(item),
    state: 'closed',
    state_reason: 'completed',
  })
  return labelNames(response.data.labels)
}

/** Closes a pull request without merging it. */
export async function closePullRequest(octokit: Octokit, item: ItemRef): Promise<void> {
  const { owner, repo } = splitRepository(item.repository)
  await octokit.request('PATCH /repos/{owner}/{repo}/pulls/{pull_number}', { owner, repo, pull_number: item.number, state: 'closed' })
}

/** Opens an issue with labels; returns GitHub's issue as it answered. */
export async function createIssue(
  octokit: Octokit,
  repository: string,
  issue: { title: string; body: string; labels: string[] },
): Promise<unknown> {
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
 * Adds `childId` (the child's numeric issue id, not its number) as a sub-issue of the
 * parent. Sub-issues are not available everywhere (older GitHub Enterprise, some plans,
 * the emulated GitHub): a refusal is returned, not thrown, so the caller logs it and the
 * delegation it belongs to goes on.
 */
export async function addSubIssue(
  octokit: Octokit,
  parent: ItemRef,
  childId: number,
): Promise<{ added: true } | { added: false; status: number }> {
  try {
    await octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/sub_issues', { ...at(parent), sub_issue_id: childId })
    return { added: true }
  } catch (error) {
    const status = httpStatus(error)
    if (status === 403 || status === 404 || status === 410 || status === 422) return { added: false, status }
    throw error
  }
}
