import { describe, expect, it } from 'vitest'
import { explainStartError } from '../src/config/explain-start-error.ts'

const settings = { githubApiUrl: 'http://127.0.0.1:2' }
const gitHubError = (status: number, url: string, message: string) => Object.assign(new Error(message), { status, request: { url } })

describe('explainStartError', () => {
  it.each([
    ['a rejection without a reason', undefined, /^failed without saying why/],
    ['an error without a message', new Error(''), /^Error without a message$/],
    [
      'a wrapped network error',
      new Error('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:2') }),
      /^fetch failed \(connect ECONNREFUSED 127\.0\.0\.1:2\)$/,
    ],
    [
      'a GitHub API that refuses connections',
      gitHubError(500, 'http://127.0.0.1:2/app', 'connect ECONNREFUSED 127.0.0.1:2'),
      /^the GitHub API at GITHUB_API_URL \(http:\/\/127\.0\.0\.1:2\) failed .*check GITHUB_API_URL/,
    ],
    [
      'credentials GitHub refuses',
      gitHubError(401, 'http://127.0.0.1:2/app', 'A JSON web token could not be decoded'),
      /^GitHub refused the app \(401 .*check APP_ID and PRIVATE_KEY/,
    ],
    ['an app id GitHub does not know', gitHubError(404, 'http://127.0.0.1:2/app', 'Not Found'), /check APP_ID and PRIVATE_KEY/],
    ['any other error, unchanged', new Error('port 3000 is in use; set PORT to a free port'), /^port 3000 is in use; set PORT to a free port$/],
  ])('%s', (_, error, expected) => {
    expect(explainStartError(error, settings)).toMatch(expected)
  })
})
