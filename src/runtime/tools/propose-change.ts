import { z } from 'zod'
import { pathRefusal } from '../../company/repository-path.ts'
import { HOLD_LABEL } from '../../company/labels.ts'
import { BranchMovedError } from '../../github/writes.ts'
import { hasAgentPullRequest } from '../../store/work-items.ts'
import { submitChange } from '../submit-change.ts'
import { defineTool, ToolRefusal } from '../tool.ts'

const FilePath = z
  .string()
  .min(1)
  .max(400)
  .refine((p) => pathRefusal(p) === undefined, {
    message: 'use a path relative to the repository root, outside .git/ and .github/, without ..',
  })

export const proposeChange = defineTool({
  name: 'propose_change',
  description:
    'Commit whole files (their complete new content) to your branch gaffer/<you>/<item> and open a draft pull request that closes the current item, which then goes to review. The branch keeps what it already holds (your earlier changes and anything people pushed to it).',
  parameters: z.strictObject({
    title: z.string().min(3).max(200),
    body: z.string().min(1).max(20_000),
    files: z
      .array(z.strictObject({ path: FilePath, content: z.string().max(200_000) }))
      .min(1)
      .max(20),
    branch: z.string().max(200).optional(),
  }),
  async run(ctx, { title, body, files, branch: wanted }) {
    const item = ctx.item()
    const prefix = `gaffer/${ctx.agent.slug}/`
    const branch = wanted ?? `${prefix}${item.number}`
    if (!branch.startsWith(prefix) || !/^[\w./-]+$/.test(branch))
      throw new ToolRefusal(`the branch must be under ${prefix}, e.g. ${prefix}${item.number}`)

    // The item's own branch exists once this agent proposed a change for the item (a pull
    // request of its, in the mirror); until then it is created without being looked up.
    // A branch the agent names may be any of its branches.
    const likelyNew = branch === `${prefix}${item.number}` && !(await hasAgentPullRequest(ctx.pool, ctx.repository, item.number, ctx.agent.slug))
    let submitted
    try {
      submitted = await submitChange(ctx, { branch, title, body, files, likelyNew })
    } catch (error) {
      if (error instanceof BranchMovedError)
        throw new ToolRefusal(`${branch} keeps changing under you (someone is pushing to it); try again on your next run`)
      throw error
    }
    if (!submitted.inReview) throw new ToolRefusal('the item is no longer in progress')
    const kind = submitted.draft ? 'draft pull request' : `pull request (not a draft: this repository refused one; held with ${HOLD_LABEL})`
    return `${submitted.updated ? 'Updated' : 'Opened'} ${kind} #${submitted.number} from ${branch}; #${item.number} is in review.`
  },
})
