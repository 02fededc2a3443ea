import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { ProbotOctokit } from 'probot'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createEtagCache } from '../src/github/etag-cache.ts'

// An HTTP origin that honours If-None-Match the way GitHub's REST API does.
describe('conditional reads', () => {
  let server: Server
  let baseUrl: string
  let version = 1
  const seen: Array<{ ifNoneMatch: string | undefined; status: number }> = []

  beforeAll(async () => {
    server = createServer((req, res) => {
      const etag = `W/"v${version}"`
      const ifNoneMatch = req.headers['if-none-match']
      const status = ifNoneMatch === etag ? 304 : 200
      seen.push({ ifNoneMatch, status })
      res.writeHead(status, { etag, 'content-type': 'application/json' })
      res.end(status === 304 ? undefined : JSON.stringify({ number: 7, title: `version ${version}` }))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve))
  })

  it('sends the ETag back, treats 304 as unchanged with the cached body, and notices a change', async () => {
    const octokit = new ProbotOctokit({ baseUrl, throttle: { enabled: false }, retry: { enabled: false } })
    const cache = createEtagCache()
    const read = () => cache.get(octokit, 'GET /repos/{owner}/{repo}/issues/{issue_number}', { owner: 'o', repo: 'r', issue_number: 7 })

    const first = await read()
    const second = await read()
    version = 2
    const third = await read()

    expect([first.changed, second.changed, third.changed]).toEqual([true, false, true])
    expect(second.data).toEqual({ number: 7, title: 'version 1' })
    expect(third.data).toEqual({ number: 7, title: 'version 2' })
    expect(seen).toEqual([
      { ifNoneMatch: undefined, status: 200 },
      { ifNoneMatch: 'W/"v1"', status: 304 },
      { ifNoneMatch: 'W/"v1"', status: 200 },
    ])
  })
})
