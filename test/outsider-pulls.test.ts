import { describe, expect, it } from 'vitest'
import { parseMarker } from '../src/company/marker.ts'
import { getWorkItem } from '../src/store/work-items.ts'
import { commentAs, openPullRequest, poll, useTestCompany } from './helpers/test-company.ts'

describe("an outsider's pull request waits for a writer before the reviewer gets it", () => {
  // The default GAFFER_OUTSIDER_PULLS=hold.
  const c = useTestCompany()

  const repository = () => c.github.repository
  const settled = async () => {
    await c.gaffer!.deliveries.idle()
    await expect.poll(async () => (await c.db.pool.query('select 1 from webhook_deliveries where processed_at is null')).rowCount, poll).toBe(0)
  }
  // The emulated GitHub serves a pull request's labels from the pulls API only.
  const pullLabels = async (number: number) =>
    (await c.maya.pulls.get({ owner: c.owner, repo: c.repo, pull_number: number })).data.labels.map((label) => label.name).sort()
  const notes = async (number: number) =>
    (await c.maya.issues.listComments({ owner: c.owner, repo: c.repo, issue_number: number })).data.filter(
      (comment) => comment.user?.login === `${c.github.app.slug}[bot]` && parseMarker(comment.body)?.kind === 'outsider-pull',
    )

  it('is not routed and says so once; a writer labelling it routes it to the reviewer as todo', async () => {
    // Oscar has no access to the repository. On GitHub he would push to his fork; the emulated
    // GitHub has no forks, so the branch is pushed by maya and the pull request is opened by oscar:
    // what Gaffer reads (the pull request's author and his permission) is the same.
    const pr = await openPullRequest(c, { by: 'oscar', branch: 'oscar-typo', title: 'Fix a typo' })
    await expect.poll(async () => (await getWorkItem(c.db.pool, repository(), pr))?.kind, poll).toBe('pull')
    await settled()

    expect(await getWorkItem(c.db.pool, repository(), pr)).toMatchObject({ status: null, owner_agent: null })
    expect(await pullLabels(pr)).toEqual([])
    const held = await notes(pr)
    expect(held).toHaveLength(1)
    expect(held[0]?.body).toContain(
      "Thanks! A maintainer needs to label this pull request (for example `area:review`) or `/assign` it before Gaffer's reviewer looks at it.",
    )

    // Oscar editing his pull request routes nothing and adds no second note.
    await c.oscar.pulls.update({ owner: c.owner, repo: c.repo, pull_number: pr, title: 'Fix a typo in the README' })
    await expect.poll(async () => (await getWorkItem(c.db.pool, repository(), pr))?.title, poll).toBe('Fix a typo in the README')
    await settled()
    expect(await pullLabels(pr)).toEqual([])
    expect(await notes(pr)).toHaveLength(1)

    await c.maya.issues.addLabels({ owner: c.owner, repo: c.repo, issue_number: pr, labels: ['area:review'] })

    await expect.poll(async () => (await getWorkItem(c.db.pool, repository(), pr))?.status, poll).toBe('todo')
    expect(await getWorkItem(c.db.pool, repository(), pr)).toMatchObject({ owner_agent: 'reviewer' })
    await expect.poll(() => pullLabels(pr), poll).toEqual(['agent:reviewer', 'area:review', 'status:todo'])
    expect(await notes(pr)).toHaveLength(1)
  })

  it("a writer's /assign on a held pull request routes it to the reviewer as todo, without a second note", async () => {
    const pr = await openPullRequest(c, { by: 'oscar', branch: 'oscar-docs', title: 'Fix the docs' })
    await expect.poll(async () => (await getWorkItem(c.db.pool, repository(), pr))?.kind, poll).toBe('pull')
    await settled()
    expect(await getWorkItem(c.db.pool, repository(), pr)).toMatchObject({ status: null, owner_agent: null })
    expect(await notes(pr)).toHaveLength(1)

    await commentAs(c, 'maya', pr, '/assign reviewer')

    await expect.poll(async () => (await getWorkItem(c.db.pool, repository(), pr))?.status, poll).toBe('todo')
    expect(await getWorkItem(c.db.pool, repository(), pr)).toMatchObject({ owner_agent: 'reviewer' })
    await expect.poll(() => pullLabels(pr), poll).toEqual(['agent:reviewer', 'status:todo'])
    await settled()
    expect(await notes(pr)).toHaveLength(1)
  })

  it("routes a writer's pull request at once, as before", async () => {
    const pr = await openPullRequest(c, { by: 'maya', branch: 'maya-fix', title: 'A fix' })

    await expect.poll(async () => (await getWorkItem(c.db.pool, repository(), pr))?.status, poll).toBe('todo')
    expect(await getWorkItem(c.db.pool, repository(), pr)).toMatchObject({ owner_agent: 'reviewer' })
    expect(await notes(pr)).toHaveLength(0)
  })
})
