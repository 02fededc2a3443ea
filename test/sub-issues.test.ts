import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { ProbotOctokit } from 'probot'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { addSubIssue } from '../src/github/writes.ts'

/** A stand-in for GitHub's sub-issues endpoint that answers `status` and records each request. */
describe('addSubIssue against a recording stand-in', () => {
  let server: Server
  let baseUrl: string
  let status = 201
  const requests: Array<{ method: string; url: string; body: unknown }> = []

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = ''
      req.on('data', (chunk: Buffer) => (body += chunk.toString()))
      req.on('end', () => {
        requests.push({ method: req.method ?? '', url: req.url ?? '', body: body ? JSON.parse(body) : undefined })
        res
          .writeHead(status, { 'content-type': 'application/json' })
          .end(JSON.stringify(status < 300 ? { id: 4242, number: 13 } : { message: 'refused' }))
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve))
  })
  beforeEach(() => {
    requests.length = 0
    status = 201
  })
  const octokit = () => new ProbotOctokit({ baseUrl, throttle: { enabled: false }, retry: { enabled: false } })

  it("posts the child's numeric id, not its number, to the parent's sub-issues", async () => {
    const result = await addSubIssue(octokit(), { repository: 'demo/shop', number: 12 }, 4242)

    expect(result).toEqual({ added: true })
    expect(requests).toEqual([{ method: 'POST', url: '/repos/demo/shop/issues/12/sub_issues', body: { sub_issue_id: 4242 } }])
  })

  it.each([403, 404, 410, 422])('returns a refusal (%i) instead of throwing', async (refusal) => {
    status = refusal

    expect(await addSubIssue(octokit(), { repository: 'demo/shop', number: 12 }, 4242)).toEqual({ added: false, status: refusal })
  })

  it('throws any other failure, so it is not mistaken for a missing feature', async () => {
    status = 500

    await expect(addSubIssue(octokit(), { repository: 'demo/shop', number: 12 }, 4242)).rejects.toMatchObject({ status: 500 })
  })
})
