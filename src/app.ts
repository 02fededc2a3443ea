import type { Probot } from 'probot'
import { z } from 'zod'
import { SETTINGS_PATH } from './config/repository-settings.ts'
import { REPOSITORY_AGENTS_DIR } from './github/read-repository-agents.ts'
import { readDefaultBranch } from './github/read-repository.ts'
import { PullRequest } from './github/read-pull-request.ts'
import { GitHubIssue, GitHubRepository, Installation, IssueComment, Label, Sender, toGitHubItem } from './github/schema.ts'
import type { Octokit } from './github/octokit.ts'
import { reconcileRepository } from './mirror/reconcile-repository.ts'
import type { SettingsRegistry } from './mirror/settings-registry.ts'
import { handleNewComment, type CommentDeps } from './mirror/handle-comment.ts'
import { onPullRequestEvent } from './mirror/pull-requests.ts'
import { rerunGate, syncGate } from './mirror/quality-gate.ts'
import { GATE_NAME } from './company/quality-gate.ts'
import { syncItem } from './mirror/sync-item.ts'
import { handleStatusLabelEdit, type StatusLabelEdit } from './mirror/status-label-edit.ts'
import { deactivateInstallation, deactivateRepositories, getRepository, listActiveRepositoriesOf, upsertRepository } from './store/repositories.ts'
import { recordComment, recordCommentDeleted } from './store/item-comments.ts'
import { deleteWorkItem } from './store/work-items.ts'

/** The handlers' deps: a repository met for the first time, or a push, reloads its settings. */
export type AppDeps = CommentDeps & { settings: SettingsRegistry }

const IssuesEvent = z.object({
  action: z.string(),
  label: Label.optional(),
  issue: GitHubIssue,
  repository: GitHubRepository,
  installation: Installation,
  sender: Sender,
})
const PullRequestEvent = z.object({
  action: z.string(),
  label: Label.optional(),
  pull_request: PullRequest.extend({ merged: z.boolean().nullable().optional() }),
  repository: GitHubRepository,
  installation: Installation,
  sender: Sender,
})
const CommentEvent = IssuesEvent.extend({
  comment: IssueComment.extend({ user: Sender }),
})
const CheckRunEvent = z.object({
  action: z.string(),
  check_run: z.object({ name: z.string(), head_sha: z.string(), pull_requests: z.array(z.object({ number: z.int() })).default([]) }),
  repository: GitHubRepository,
  installation: Installation,
})
const InstallationEvent = z.object({
  action: z.string(),
  installation: Installation.extend({ account: z.object({ login: z.string() }).nullable().optional() }),
  repositories: z.array(z.object({ full_name: z.string() })).optional(),
  repositories_added: z.array(z.object({ full_name: z.string() })).optional(),
  repositories_removed: z.array(z.object({ full_name: z.string() })).optional(),
})
const PushEvent = z.object({
  ref: z.string(),
  repository: GitHubRepository,
  installation: Installation,
  commits: z
    .array(z.object({ added: z.array(z.string()).default([]), modified: z.array(z.string()).default([]), removed: z.array(z.string()).default([]) }))
    .default([]),
})

/**
 * The Probot app: registers webhook handlers and nothing else. Every handler mirrors
 * what GitHub says; only events from someone other than the app itself route work.
 */
export function gafferApp(deps: AppDeps) {
  return (app: Probot) => {
    const isOwnWrite = (sender: { login: string }) => sender.login === deps.botLogin()
    // Repositories this process has seen in the mirror: a row is never deleted (only made
    // inactive), so one found once needs no lookup on every later event.
    const known = new Set<string>()
    const ensureRepository = (octokit: Octokit, event: RepositoryEvent) => ensureKnownRepository(deps, octokit, event, known)

    app.on('issues', async (context) => {
      const event = IssuesEvent.parse(context.payload)
      const repository = event.repository.full_name
      await ensureRepository(context.octokit, event)
      if (event.action === 'deleted') return deleteWorkItem(deps.pool, repository, event.issue.number)
      const own = isOwnWrite(event.sender)
      const edit = statusLabelEdit(event, own)
      await syncItem(deps, context.octokit, toGitHubItem(repository, event.issue), { route: !own && !edit, ownWrite: own })
      if (edit) await handleStatusLabelEdit(deps, context.octokit, { ...edit, repository, number: event.issue.number })
    })

    app.on('pull_request', async (context) => {
      const event = PullRequestEvent.parse(context.payload)
      await ensureRepository(context.octokit, event)
      const item = toGitHubItem(event.repository.full_name, event.pull_request, 'pull')
      const own = isOwnWrite(event.sender)
      const edit = statusLabelEdit(event, own)
      // Who added a label may release an outsider's held pull request.
      const labeledBy = event.action === 'labeled' && event.label ? { login: event.sender.login, label: event.label.name } : undefined
      await syncItem(deps, context.octokit, item, { route: !own && !edit, ownWrite: own, labeledBy })
      if (edit) await handleStatusLabelEdit(deps, context.octokit, { ...edit, repository: item.repository, number: item.number })
      if (own) return
      await onPullRequestEvent(deps, context.octokit, {
        action: event.action,
        repository: item.repository,
        number: item.number,
        merged: event.pull_request.merged === true,
        author: event.pull_request.user?.login ?? null,
        body: event.pull_request.body,
      })
    })

    app.on('pull_request_review', async (context) => {
      const event = PullRequestEvent.parse(context.payload)
      if (isOwnWrite(event.sender)) return
      await ensureRepository(context.octokit, event)
      await syncGate(deps, context.octokit, event.repository.full_name, event.pull_request.number)
    })

    // "Re-run" on the gate: decide again and post a new run (a completed one cannot be reopened).
    app.on('check_run', async (context) => {
      const event = CheckRunEvent.parse(context.payload)
      if (event.action !== 'rerequested' || event.check_run.name !== GATE_NAME) return
      await ensureRepository(context.octokit, event)
      await rerunGate(deps, context.octokit, {
        repository: event.repository.full_name,
        headSha: event.check_run.head_sha,
        pullRequests: event.check_run.pull_requests.map((pr) => pr.number),
      })
    })

    app.on('issue_comment', async (context) => {
      const event = CommentEvent.parse(context.payload)
      await ensureRepository(context.octokit, event)
      await syncItem(deps, context.octokit, toGitHubItem(event.repository.full_name, event.issue), {
        route: false,
        ownWrite: isOwnWrite(event.sender),
      })
      // The mirror keeps every comment, the app's own included, so a run reads only what changed (docs/decisions.md).
      const item = { repository: event.repository.full_name, number: event.issue.number }
      if (event.action === 'deleted') await recordCommentDeleted(deps.pool, item, event.comment.id)
      else if (event.comment.updated_at) await recordComment(deps.pool, item, { ...event.comment, updated_at: event.comment.updated_at })
      // Commands come only from new comments: an edited comment never runs one.
      if (event.action !== 'created') return
      await handleNewComment(deps, context.octokit, {
        repository: event.repository.full_name,
        number: event.issue.number,
        id: event.comment.id,
        body: event.comment.body ?? '',
        author: event.comment.user,
      })
    })

    app.on(['installation', 'installation_repositories'], async (context) => {
      const event = InstallationEvent.parse(context.payload)
      const installationId = event.installation.id
      if (['deleted', 'suspend'].includes(event.action)) return deactivateInstallation(deps.pool, installationId)
      if (event.repositories_removed?.length) {
        await deactivateRepositories(
          deps.pool,
          event.repositories_removed.map((r) => r.full_name),
        )
      }
      for (const { full_name } of [...(event.repositories ?? []), ...(event.repositories_added ?? [])]) {
        await reconcileByName(deps, context.octokit, full_name, installationId)
      }
    })

    app.on('push', async (context) => {
      const event = PushEvent.parse(context.payload)
      const paths = event.commits.flatMap((c) => [...c.added, ...c.modified, ...c.removed])
      // GitHub lists at most 20 commits and none for some ref updates: then the change is unknown.
      const listed = event.commits.length > 0 && event.commits.length < 20
      const [owner, name] = event.repository.full_name.split('/') as [string, string]
      // The organization's defaults changed: every repository of that owner may inherit them.
      if (
        name === '.github' &&
        event.ref === `refs/heads/${event.repository.default_branch ?? 'main'}` &&
        (!listed || paths.includes(SETTINGS_PATH))
      ) {
        for (const at of await listActiveRepositoriesOf(deps.pool, owner)) await deps.settings.reload(context.octokit, at)
      }
      const repository = await getRepository(deps.pool, event.repository.full_name)
      if (!repository || event.ref !== `refs/heads/${repository.default_branch}`) return
      const at = { fullName: repository.full_name, defaultBranch: repository.default_branch }
      if (!listed || paths.some((path) => path.startsWith(`${REPOSITORY_AGENTS_DIR}/`))) await deps.rosters.reload(context.octokit, at)
      if (!listed || paths.includes(SETTINGS_PATH)) await deps.settings.reload(context.octokit, at)
    })
  }
}

/** A person adding or removing a `status:` label by hand: an event for the status writer, not a state to adopt. */
function statusLabelEdit(
  event: { action: string; label?: { name: string } | undefined; sender: { login: string; type?: string | undefined } },
  own: boolean,
): Pick<StatusLabelEdit, 'action' | 'label' | 'sender'> | undefined {
  if (own || (event.action !== 'labeled' && event.action !== 'unlabeled') || !event.label?.name.startsWith('status:')) return undefined
  return { action: event.action, label: event.label.name, sender: event.sender }
}

type RepositoryEvent = { repository: z.infer<typeof GitHubRepository>; installation: { id: number } }

/** An event from a repository the mirror has not met yet registers it and loads its roster first. */
async function ensureKnownRepository(deps: AppDeps, octokit: Octokit, event: RepositoryEvent, known: Set<string>): Promise<void> {
  const fullName = event.repository.full_name
  if (known.has(fullName)) return
  if (!(await getRepository(deps.pool, fullName))) {
    const repository = { fullName, installationId: event.installation.id, defaultBranch: event.repository.default_branch ?? 'main' }
    await upsertRepository(deps.pool, repository)
    await deps.rosters.reload(octokit, repository)
    await deps.settings.reload(octokit, repository)
  }
  known.add(fullName)
}

async function reconcileByName(deps: AppDeps, octokit: Octokit, fullName: string, installationId: number) {
  await reconcileRepository(deps, octokit, { fullName, defaultBranch: await readDefaultBranch(octokit, fullName), installationId })
}
