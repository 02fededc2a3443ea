import { z } from 'zod'
import { trustedProvenance, withMarker } from '../../company/marker.ts'
import { httpStatus, splitRepository } from '../../github/octokit.ts'
import { GitHubIssue, toGitHubItem } from '../../github/schema.ts'
import { getRepository } from '../../store/repositories.ts'
import { routePullRequestToReviewer } from '../../mirror/pull-requests.ts'
import { upsertWorkItem } from '../../store/work-items.ts'
import { cleanOutput } from '../output-hygiene.ts'
import { defineTool, ToolRefusal } from '../tool.ts'

const FilePath = z
  .string()
  .min(1)
  .max(400)
  .refine((p) => !p.split('/').includes('..') && !p.startsWith('/') && !p.startsWith('.git/') && !p.startsWith('.github/'), {
    message: 'use a path relative to the repository root, outside .git/ and .github/, without ..',
  })

const Ref = z.object({ object: z.object({ sha: z.string() }) })
const Sha = z.object({ sha: z.string() })
const Commit = z.object({ tree: z.object({ sha: z.string() }) })

export const proposeChange = defineTool({
  name: 'propose_change',
  description:
    'Commit whole files (their complete new content) to your branch gaffer/<you>/<item> and open a draft pull request that closes the current item, which then goes to review.',
  parameters: z.strictObject({
    title: z.string().min(3).max(200),
    body: z.string().min(1).max(20_000),
    files: z.array(z.strictObject({ path: FilePath, content: z.string().max(200_000) })).min(1).max(20),
    branch: z.string().max(200).optional(),
  }),
  async run(ctx, { title, body, files, branch: wanted }) {
    const item = ctx.item()
    const prefix = `gaffer/${ctx.agent.slug}/`
    const branch = wanted ?? `${prefix}${item.number}`
    if (!branch.startsWith(prefix) || !/^[\w./-]+$/.test(branch)) throw new ToolRefusal(`the branch must be under ${prefix}, e.g. ${prefix}${item.number}`)
    const { owner, repo } = splitRepository(ctx.repository)
    const base = (await getRepository(ctx.pool, ctx.repository))?.default_branch ?? 'main'
    const at = { owner, repo }

    const baseSha = Ref.parse((await ctx.octokit.request('GET /repos/{owner}/{repo}/git/ref/{ref}', { ...at, ref: `heads/${base}` })).data).object.sha
    const baseTree = Commit.parse((await ctx.octokit.request('GET /repos/{owner}/{repo}/git/commits/{commit_sha}', { ...at, commit_sha: baseSha })).data).tree.sha
    const tree = Sha.parse(
      (
        await ctx.octokit.request('POST /repos/{owner}/{repo}/git/trees', {
          ...at,
          base_tree: baseTree,
          tree: files.map((file) => ({ path: file.path, mode: '100644' as const, type: 'blob' as const, content: file.content })),
        })
      ).data,
    ).sha
    const commit = Sha.parse(
      (await ctx.octokit.request('POST /repos/{owner}/{repo}/git/commits', { ...at, message: `${title}\n\nFor #${item.number}.`, tree, parents: [baseSha] })).data,
    ).sha
    try {
      await ctx.octokit.request('PATCH /repos/{owner}/{repo}/git/refs/{ref}', { ...at, ref: `heads/${branch}`, sha: commit, force: true })
    } catch (error) {
      if (httpStatus(error) !== 404 && httpStatus(error) !== 422) throw error
      await ctx.octokit.request('POST /repos/{owner}/{repo}/git/refs', { ...at, ref: `refs/heads/${branch}`, sha: commit })
    }

    const text = withMarker(`${cleanOutput(body, { maxChars: 20_000 })}\n\nCloses #${item.number}`, {
      agent: ctx.agent.slug,
      depth: item.delegation_depth,
      parent: item.number,
      run: String(ctx.runId),
    })
    const prTitle = cleanOutput(title.replace(/\s+/g, ' '), { maxChars: 200 })
    const open = await ctx.octokit.request('GET /repos/{owner}/{repo}/pulls', { ...at, state: 'open', head: `${owner}:${branch}` })
    const existing = open.data.find((pr) => pr.head.ref === branch)
    const pr = existing
      ? (await ctx.octokit.request('PATCH /repos/{owner}/{repo}/pulls/{pull_number}', { ...at, pull_number: existing.number, title: prTitle, body: text })).data
      : (await ctx.octokit.request('POST /repos/{owner}/{repo}/pulls', { ...at, title: prTitle, body: text, head: branch, base, draft: true })).data
    const mirrored = toGitHubItem(ctx.repository, GitHubIssue.parse(pr), 'pull')
    // A pull request someone else opened from this branch stays theirs, whatever marker Gaffer wrote into it.
    await upsertWorkItem(ctx.pool, mirrored, { provenance: trustedProvenance(mirrored, ctx.botLogin()) })
    // The webhook echo of Gaffer's own write triggers nothing, so routing and gating happen here.
    await routePullRequestToReviewer(ctx.pulls, ctx.octokit, ctx.repository, pr.number)
    if (!(await ctx.setStatus('submit_for_review'))) throw new ToolRefusal('the item is no longer in progress')
    return `${existing ? 'Updated' : 'Opened'} draft pull request #${pr.number} from ${branch}; #${item.number} is in review.`
  },
})
