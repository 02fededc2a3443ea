import type { CommittedFile } from '../github/writes.ts'
import { submitChange, type CommitChange } from '../runtime/submit-change.ts'
import type { ToolContext } from '../runtime/tool.ts'
import { pushChanges } from './push-changes.ts'
import type { Workspace } from './workspace.ts'

/**
 * A CLI run's changes through the same safe output as `propose_change`: committed on the
 * workspace's branch (built on its head, never forced) — pushed with git when the
 * workspace was cloned with git, else with the Git Data API (the emulated GitHub serves
 * no git) —, the draft pull request that closes the item opened or updated, routed to a
 * reviewer, item → review.
 */
export async function publishChanges(
  ctx: ToolContext,
  workspace: Workspace,
  change: { title: string; body: string; files: readonly CommittedFile[] },
): Promise<{ number: number; url?: string; inReview: boolean }> {
  const prefix = `gaffer/${ctx.agent.slug}/`
  if (!workspace.branch.startsWith(prefix))
    throw new Error(`the workspace's branch ${workspace.branch} is not ${ctx.agent.slug}'s; changes go to ${prefix}<item>`)
  if (change.files.length === 0) throw new Error('there is nothing to publish: the workspace has no change the agent may publish')
  const login = ctx.botLogin()
  const push: CommitChange | undefined =
    workspace.gitBase === undefined
      ? undefined
      : async (commit) => ({
          sha: await pushChanges(ctx.octokit, workspace, {
            ...commit,
            repository: ctx.repository,
            author: { name: login, email: `${login}@users.noreply.github.com` },
          }),
          // A git push does not say whether it created the branch: the open pull request is looked up.
          createdBranch: false,
        })
  // A workspace checked out from the default branch found no branch of the item's.
  const likelyNew = workspace.baseRef !== workspace.branch
  const submitted = await submitChange(
    ctx,
    { branch: workspace.branch, title: change.title, body: change.body, files: change.files, likelyNew },
    push,
  )
  // A person moved the item while the CLI ran: the pull request stands, the status is theirs.
  if (!submitted.inReview)
    ctx.log.warn({ pull: submitted.number, status: ctx.item().status }, 'change published, but the item was no longer in progress')
  return { number: submitted.number, ...(submitted.url === undefined ? {} : { url: submitted.url }), inReview: submitted.inReview }
}
