import { describe, expect, it } from 'vitest'
import { explainStartError } from '../src/config/explain-start-error.ts'

const settings = { githubApiUrl: 'http://127.0.0.1:2' }
/** Octokit's RequestError: an answer from GitHub carries its `response`; a request that got none has status 500 and no response. */
const gitHubError = (status: number, url: string, message: string, answered = true) =>
  Object.assign(new Error(message), { status, request: { url }, ...(answered ? { response: { status, url } } : {}) })

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
      'a GitHub API that refuses connections: no answer, so no status is named',
      gitHubError(500, 'http://127.0.0.1:2/app', 'connect ECONNREFUSED 127.0.0.1:2', false),
      /^the GitHub API at GITHUB_API_URL \(http:\/\/127\.0\.0\.1:2\) could not be reached \(http:\/\/127\.0\.0\.1:2\/app\): connect ECONNREFUSED 127\.0\.0\.1:2; check GITHUB_API_URL/,
    ],
    [
      'a GitHub API that answers with a server error',
      gitHubError(502, 'http://127.0.0.1:2/app', 'Bad Gateway'),
      /^the GitHub API at GITHUB_API_URL \(http:\/\/127\.0\.0\.1:2\) failed \(502 from http:\/\/127\.0\.0\.1:2\/app\): Bad Gateway; check GITHUB_API_URL/,
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
