import { describe, expect, it } from 'vitest'
import { parseMarker } from '../src/company/marker.ts'
import { toolResults } from './helpers/scripted-model.ts'
import { commentAs, openSettledIssue, useTestCompany } from './helpers/test-company.ts'

describe("a run's comments, read once (emulated GitHub behind a proxy, a scripted model, real Postgres)", () => {
  const c = useTestCompany({ model: { apiKey: 'test-key', maxRetries: 0, timeoutMs: 10_000 }, proxy: true, app: { owners: ['maya'] } })

  it('lists the comments once for the context and both of its comment writes, and edits its one progress comment', async () => {
    const repository = c.github.repository
    const number = await openSettledIssue(c, { title: 'Comment twice', labels: ['agent:backend-engineer'] })
    await commentAs(c, 'maya', number, 'Maintainer note: keep it small.')
    c.model.script(
      { toolCalls: [{ name: 'comment', arguments: { body: 'Started.' } }] },
      { toolCalls: [{ name: 'comment', arguments: { body: 'Finished the change.' } }] },
      { toolCalls: [{ name: 'set_status', arguments: { status: 'done' } }] },
    )
    const commentReads = () =>
      c.proxy.requests.filter((request) => request.method === 'GET' && request.path.startsWith(`/repos/${repository}/issues/${number}/comments`))
    const before = commentReads().length

    await c.gaffer!.heartbeats.runNow(repository, 'backend-engineer')

    expect(toolResults(c.model.requests[1])).toEqual([`Your progress comment on #${number} is saved.`])
    expect(String(c.model.requests[0]?.messages[1]?.content)).toContain('Maintainer note: keep it small.')
    expect(commentReads().length - before).toBe(1)
    const bodies = (await c.maya.issues.listComments({ owner: c.owner, repo: c.repo, issue_number: number })).data.map(
      (comment) => comment.body ?? '',
    )
    const progress = bodies.filter((body) => parseMarker(body)?.kind === 'progress')
    expect(progress).toHaveLength(1)
    expect(progress[0]).toContain('Finished the change.')
  })
})
