import { describe, expect, it } from 'vitest'
import { commentAs, openSettledIssue, settleWebhooks, useTestCompany } from './helpers/test-company.ts'

describe("an item's comments, kept by the mirror and read since the last read (emulated GitHub behind a proxy, a scripted model, real Postgres)", () => {
  const c = useTestCompany({
    model: { apiKey: 'test-key', maxRetries: 0, timeoutMs: 10_000 },
    proxy: true,
    app: { owners: ['maya'] },
    perTest: true,
  })
  const at = () => ({ owner: c.owner, repo: c.repo })

  /** Every read of the item's comments the app made, as paths with their query. */
  const commentReads = (number: number) =>
    c.proxy.requests
      .filter((request) => request.method === 'GET' && request.path.startsWith(`/repos/${c.github.repository}/issues/${number}/comments`))
      .map((request) => request.path)

  /**
   * One heartbeat of the item's owner whose model looks and stops without finishing: the item
   * goes back to `todo` for the next run. Returns what the model was shown and the reads the
   * run made of the item's comments.
   */
  const run = async (number: number): Promise<{ context: string; reads: string[] }> => {
    const readsBefore = commentReads(number).length
    const asked = c.model.requests.length
    c.model.script({ content: 'Looked; more next time.' })
    const result = await c.gaffer!.heartbeats.runNow(c.github.repository, 'backend-engineer')
    expect(result).toMatchObject({ outcome: 'worked', items: 1 })
    await settleWebhooks(c)
    return { context: String(c.model.requests[asked]?.messages[1]?.content), reads: commentReads(number).slice(readsBefore) }
  }

  /** A lease passes after the comments were last read: the mirror's copy is no longer trusted unread. */
  const leasePassed = (number: number) =>
    c.db.pool.query("update work_items set comments_confirmed_at = comments_confirmed_at - interval '1 day' where repository = $1 and number = $2", [
      c.github.repository,
      number,
    ])

  const since = (path: string | undefined) => new URL(path ?? '/', 'http://github').searchParams.get('since')

  it("reads only what changed since its last read on the item's next run, and sees the comment a person added between the runs", async () => {
    const number = await openSettledIssue(c, { title: 'Twice over', labels: ['agent:backend-engineer'] })
    const first = await commentAs(c, 'maya', number, 'First note: keep it small.')

    const one = await run(number)
    expect(one.reads).toHaveLength(1)
    expect(since(one.reads[0])).toBeNull()
    expect(one.context).toContain('First note: keep it small.')

    await commentAs(c, 'maya', number, 'Second note: use the new API.')
    await leasePassed(number)
    const two = await run(number)

    const { data: firstNote } = await c.maya.issues.getComment({ ...at(), comment_id: first })
    expect(two.reads).toHaveLength(1)
    expect(since(two.reads[0])).toBe(firstNote.updated_at)
    expect(two.context).toContain('First note: keep it small.')
    expect(two.context).toContain('Second note: use the new API.')
  })

  it('reads no comments when the mirror read them within a lease and every webhook since was applied, and still shows a comment a person added', async () => {
    const number = await openSettledIssue(c, { title: 'Fresh', labels: ['agent:backend-engineer'] })
    await commentAs(c, 'maya', number, 'First note.')
    expect((await run(number)).reads).toHaveLength(1)

    await commentAs(c, 'maya', number, 'Second note, delivered by its webhook.')
    const two = await run(number)

    expect(two.reads).toEqual([])
    expect(two.context).toContain('Second note, delivered by its webhook.')
  })

  it('shows an edited comment with its new text: from its webhook, and from the next read when the webhook of a later edit was lost', async () => {
    const number = await openSettledIssue(c, { title: 'Edited', labels: ['agent:backend-engineer'] })
    const id = await commentAs(c, 'maya', number, 'Use version 1.')
    expect((await run(number)).context).toContain('Use version 1.')

    const { data: second } = await c.maya.issues.updateComment({ ...at(), comment_id: id, body: 'Use version 2.' })
    await settleWebhooks(c)
    const two = await run(number)
    expect(two.reads).toEqual([])
    expect(two.context).toContain('Use version 2.')
    expect(two.context).not.toContain('Use version 1.')

    // The next edit's webhook is lost: the mirror keeps the text before it.
    await c.maya.issues.updateComment({ ...at(), comment_id: id, body: 'Use version 3.' })
    await settleWebhooks(c)
    await c.db.pool.query('update item_comments set body = $2, updated_at = $3 where id = $1', [id, second.body, second.updated_at])
    await leasePassed(number)
    const three = await run(number)
    expect(three.reads).toHaveLength(1)
    expect(since(three.reads[0])).not.toBeNull()
    expect(three.context).toContain('Use version 3.')
    expect(three.context).not.toContain('Use version 2.')
  })

  it('drops a deleted comment from the context, told by its webhook, and the next read (which cannot report a deletion) leaves it out', async () => {
    const number = await openSettledIssue(c, { title: 'Deleted', labels: ['agent:backend-engineer'] })
    const id = await commentAs(c, 'maya', number, 'Ignore the tests.')
    await commentAs(c, 'maya', number, 'Keep this one.')
    expect((await run(number)).context).toContain('Ignore the tests.')

    await c.maya.issues.deleteComment({ ...at(), comment_id: id })
    await settleWebhooks(c)
    const two = await run(number)
    expect(two.context).not.toContain('Ignore the tests.')
    expect(two.context).toContain('Keep this one.')

    await leasePassed(number)
    const three = await run(number)
    expect(three.reads).toHaveLength(1)
    expect(since(three.reads[0])).not.toBeNull()
    expect(three.context).not.toContain('Ignore the tests.')
    expect(three.context).toContain('Keep this one.')
  })

  it('notices a deletion whose webhook was lost once GitHub counts fewer comments than the mirror holds, and reads them all again', async () => {
    const number = await openSettledIssue(c, { title: 'Lost deletion', labels: ['agent:backend-engineer'] })
    const id = await commentAs(c, 'maya', number, 'Ignore the tests.')
    await commentAs(c, 'maya', number, 'Keep this one.')
    expect((await run(number)).reads).toHaveLength(1)

    // The deletion's webhook is lost: the mirror keeps the comment as it was.
    const kept = (await c.db.pool.query('select body, updated_at from item_comments where id = $1', [id])).rows[0]
    await c.maya.issues.deleteComment({ ...at(), comment_id: id })
    await settleWebhooks(c)
    await c.db.pool.query('update item_comments set deleted_at = null, body = $2, updated_at = $3 where id = $1', [id, kept.body, kept.updated_at])
    // A later change to the item carries GitHub's count of its comments: one fewer.
    await c.maya.issues.update({ ...at(), issue_number: number, title: 'Lost deletion, retitled' })
    await settleWebhooks(c)
    await leasePassed(number)
    const two = await run(number)

    expect(two.reads).toHaveLength(1)
    expect(since(two.reads[0])).toBeNull()
    expect(two.context).not.toContain('Ignore the tests.')
    expect(two.context).toContain('Keep this one.')
  })

  it("catches a comment whose webhook was lost with the next read, once the mirror's comments are no longer fresh", async () => {
    const number = await openSettledIssue(c, { title: 'Lost webhook', labels: ['agent:backend-engineer'] })
    const first = await commentAs(c, 'maya', number, 'First note.')
    expect((await run(number)).reads).toHaveLength(1)

    // The webhook of maya's next comment is lost (the mirror is put back as it was before
    // it); the one of the comment after it arrives.
    const count = (
      await c.db.pool.query('select github_comment_count from work_items where repository = $1 and number = $2', [c.github.repository, number])
    ).rows[0].github_comment_count
    const lost = await commentAs(c, 'maya', number, 'A note whose webhook was lost.')
    await c.db.pool.query('delete from item_comments where id = $1', [lost])
    await c.db.pool.query('update work_items set github_comment_count = $3 where repository = $1 and number = $2', [
      c.github.repository,
      number,
      count,
    ])
    await commentAs(c, 'maya', number, 'A note whose webhook arrived.')
    await leasePassed(number)
    const two = await run(number)

    // Read since the last read, not since the newest comment a webhook brought.
    const { data: firstNote } = await c.maya.issues.getComment({ ...at(), comment_id: first })
    expect(two.reads).toHaveLength(1)
    expect(since(two.reads[0])).toBe(firstNote.updated_at)
    expect(two.context).toContain('First note.')
    expect(two.context).toContain('A note whose webhook was lost.')
    expect(two.context).toContain('A note whose webhook arrived.')
  })
})
