import { beforeEach, describe, expect, it } from 'vitest'
import { changeCommitMessage, proposalBody, pushedChangeNote } from '../src/runtime/submit-change.ts'
import { getWorkItem } from '../src/store/work-items.ts'
import type { ProxiedRequest } from './helpers/github-proxy.ts'
import { fileOnGitHub, labelsOnGitHub, poll, useTestCompany, openSettledIssue } from './helpers/test-company.ts'

describe('proposalBody', () => {
  it('closes the item and, when the pull request could not be a draft, says why it is held', () => {
    expect(proposalBody('Adds search.', 7, { held: false })).toBe('Adds search.\n\nCloses #7')
    expect(proposalBody('Adds search.', 7, { held: true })).toBe(
      'Adds search.\n\nCloses #7\n\n> This pull request could not be opened as a draft here, so it carries `do-not-merge/hold` instead: remove the label when it is ready to merge.',
    )
  })
})

describe('pushedChangeNote', () => {
  it('names the agent, the item and the change, with the summary cleaned', () => {
    expect(pushedChangeNote({ agent: 'backend-engineer', title: 'Add search', summary: 'Adds search, cc @maya.', itemNumber: 7 })).toBe(
      'backend-engineer pushed a change to this branch for #7: **Add search**\n\nAdds search, cc `@maya`.',
    )
  })
})

describe('changeCommitMessage', () => {
  it('names the item and, in a trailer, the agent; a closing keyword in the title cannot close anything', () => {
    expect(changeCommitMessage('Add search\n(fixes #3)', 7, 'backend-engineer')).toBe(
      'Add search (fixes `#3`)\n\nFor #7.\n\nGaffer-Agent: backend-engineer',
    )
  })
})

describe('propose_change on a real branch (emulated GitHub behind a proxy, scripted model)', () => {
  /** What the proxy does instead of GitHub, per test. */
  let intercept: (request: ProxiedRequest) => Promise<{ status: number; body: unknown } | undefined> = async () => undefined
  const c = useTestCompany({ model: true, proxy: (request) => intercept(request), app: { owners: ['maya'] } })
  beforeEach(async () => {
    c.model.reset()
    intercept = async () => undefined
    // Each test starts with no ready work left over, so the item it opens is the one its agent claims.
    await c.db.pool.query("update work_items set status = 'done' where status = 'todo'")
  })

  const repository = () => c.github.repository
  const run = (agent: string) => c.gaffer!.heartbeats.runNow(repository(), agent)
  const openTask = (title: string) => openSettledIssue(c, { title, labels: ['agent:backend-engineer'] })
  const propose = (title: string, path: string) =>
    c.model.script({ toolCalls: [{ name: 'propose_change', arguments: { title, body: `${title}.`, files: [{ path, content: `// ${title}\n` }] } }] })
  const fileOn = (branch: string, file: string) => fileOnGitHub(c, branch, file)
  const commitsOn = async (branch: string) =>
    (await c.maya.repos.listCommits({ owner: c.owner, repo: c.repo, sha: branch, per_page: 100 })).data.map((commit) => commit.sha)
  /** maya commits a file to the branch through the API, as a person pushing to it would. */
  const mayaCommits = async (branch: string, path: string) =>
    (
      await c.maya.repos.createOrUpdateFileContents({
        owner: c.owner,
        repo: c.repo,
        branch,
        path,
        message: `maya: ${path}`,
        content: Buffer.from('by maya\n').toString('base64'),
      })
    ).data.commit.sha!

  /** maya makes `branch` at main's head, as a person starting the item's branch would; returns main's head. */
  const mayaBranchesFromMain = async (branch: string) => {
    const { data: main } = await c.maya.git.getRef({ owner: c.owner, repo: c.repo, ref: 'heads/main' })
    await c.maya.git.createRef({ owner: c.owner, repo: c.repo, ref: `refs/heads/${branch}`, sha: main.object.sha })
    return main.object.sha
  }

  /** The commit's requests, in order, as `METHOD what`: branch reads and Git Data calls. */
  const commitRequests = (requests: readonly ProxiedRequest[]) =>
    requests.flatMap((request) => {
      const match = /^\/repos\/[^/]+\/[^/]+\/(branches\/.+|git\/.+)$/.exec(request.path)
      return match ? [`${request.method} ${decodeURIComponent(match[1]!)}`] : []
    })
  /**
   * What GitHub answers to `GET …/branches/{branch}`: the branch with its head commit and
   * that commit's tree. The emulated GitHub answers the head's SHA alone, so a stand-in
   * completes its answer from the branch and the commit it points at.
   */
  const branchAsGitHubAnswers = async (request: ProxiedRequest) => {
    const match = request.method === 'GET' ? /^\/repos\/[^/]+\/[^/]+\/branches\/(.+)$/.exec(request.path) : null
    if (!match) return undefined
    const at = { owner: c.owner, repo: c.repo }
    let branch
    try {
      branch = (await c.maya.repos.getBranch({ ...at, branch: decodeURIComponent(match[1]!) })).data
    } catch (error) {
      if ((error as { status?: number }).status === 404) return { status: 404, body: { message: 'Branch not found' } }
      throw error
    }
    const { data: commit } = await c.maya.git.getCommit({ ...at, commit_sha: branch.commit.sha })
    return { status: 200, body: { ...branch, commit: { ...branch.commit, commit: { tree: { sha: commit.tree.sha } } } } }
  }

  it("starts the item's new branch from main's head in four requests: main read with its tree, tree, commit, branch created", async () => {
    const number = await openTask('Add a status page')
    const branch = `gaffer/backend-engineer/${number}`
    const main = (await c.maya.repos.getBranch({ owner: c.owner, repo: c.repo, branch: 'main' })).data.commit.sha
    intercept = branchAsGitHubAnswers
    const before = c.proxy.requests.length
    propose('Add a status page', 'status.js')

    await run('backend-engineer')

    expect(commitRequests(c.proxy.requests.slice(before))).toEqual(['GET branches/main', 'POST git/trees', 'POST git/commits', 'POST git/refs'])
    const { data: head } = await c.maya.repos.getCommit({ owner: c.owner, repo: c.repo, ref: branch })
    expect(head.parents.map((parent) => parent.sha)).toEqual([main])
    expect(await fileOn(branch, 'status.js')).toBe('// Add a status page\n')
    expect(await fileOn(branch, 'README.md')).toBe(await fileOn('main', 'README.md'))
    expect(await labelsOnGitHub(c, number)).toEqual(['agent:backend-engineer', 'status:review'])
  })

  it("keeps the commit of a person who made the item's branch before the agent's first change: the refused creation builds on it", async () => {
    const number = await openTask('Add a changelog')
    const branch = `gaffer/backend-engineer/${number}`
    const main = await mayaBranchesFromMain(branch)
    const human = await mayaCommits(branch, 'draft.md')
    const before = c.proxy.requests.length
    propose('Add a changelog', 'CHANGELOG.md')

    await run('backend-engineer')

    // The emulated GitHub's branch answer has no tree: each head's commit is read for it.
    expect(commitRequests(c.proxy.requests.slice(before))).toEqual([
      'GET branches/main',
      'GET git/commits/' + main,
      'POST git/trees',
      'POST git/commits',
      'POST git/refs',
      `GET branches/${branch}`,
      `GET git/commits/${human}`,
      'POST git/trees',
      'POST git/commits',
      `PATCH git/refs/heads/${branch}`,
    ])
    const refUpdate = c.proxy.requests.slice(before).find((request) => request.method === 'PATCH' && request.path.includes('/git/refs/'))
    expect((refUpdate?.body as { force?: boolean }).force).toBe(false)
    const { data: head } = await c.maya.repos.getCommit({ owner: c.owner, repo: c.repo, ref: branch })
    expect(head.parents.map((parent) => parent.sha)).toEqual([human])
    expect(await fileOn(branch, 'draft.md')).toBe('by maya\n')
    expect(await fileOn(branch, 'CHANGELOG.md')).toBe('// Add a changelog\n')
    const open = (await c.maya.pulls.list({ owner: c.owner, repo: c.repo, state: 'open' })).data.filter((p) => p.head.ref === branch)
    expect(open).toHaveLength(1)
    expect(await labelsOnGitHub(c, number)).toEqual(['agent:backend-engineer', 'status:review'])
  })

  it('does not look for an open pull request from a branch it just created, nor read back the pull request it opened to gate it', async () => {
    const number = await openTask('Add a ping route')
    const branch = `gaffer/backend-engineer/${number}`
    const before = c.proxy.requests.length
    propose('Add a ping route', 'ping.js')

    await run('backend-engineer')

    const requests = c.proxy.requests.slice(before)
    expect(requests.filter((request) => request.method === 'POST' && request.path.endsWith('/git/refs'))).toHaveLength(1)
    expect(requests.filter((request) => request.method === 'GET' && /\/pulls(\?|$|\/)/.test(request.path))).toEqual([])
    expect(requests.filter((request) => request.method === 'GET' && request.path.includes('/check-runs'))).toEqual([])
    expect(requests.filter((request) => request.method === 'POST' && request.path.endsWith('/check-runs'))).toHaveLength(1)
    const open = (await c.maya.pulls.list({ owner: c.owner, repo: c.repo, state: 'open' })).data.filter((p) => p.head.ref === branch)
    expect(open).toHaveLength(1)
    expect(await labelsOnGitHub(c, number)).toEqual(['agent:backend-engineer', 'status:review'])
  })

  it('opens a normal pull request held with do-not-merge/hold when GitHub refuses drafts', async () => {
    const number = await openTask('Add a health check')
    // What GitHub answers on a plan without draft pull requests.
    intercept = async (request) =>
      request.method === 'POST' && /^\/repos\/[^/]+\/[^/]+\/pulls$/.test(request.path) && (request.body as { draft?: boolean }).draft === true
        ? {
            status: 422,
            body: {
              message: 'Validation Failed',
              errors: [{ resource: 'PullRequest', code: 'custom', message: 'Draft pull requests are not supported in this repository.' }],
              documentation_url: 'https://docs.github.com/rest/pulls/pulls#create-a-pull-request',
            },
          }
        : undefined
    propose('Add a health check', 'health.js')

    await run('backend-engineer')

    const { data: pulls } = await c.maya.pulls.list({ owner: c.owner, repo: c.repo, state: 'open' })
    const pr = pulls.find((p) => p.head.ref === `gaffer/backend-engineer/${number}`)
    expect(pr).toMatchObject({ draft: false })
    expect(pr?.body).toContain(`Closes #${number}`)
    expect(pr?.body).toContain('could not be opened as a draft here, so it carries `do-not-merge/hold`')
    expect(pr?.labels.map((label) => label.name)).toContain('do-not-merge/hold')
    expect(await getWorkItem(c.db.pool, repository(), pr!.number)).toMatchObject({ labels: expect.arrayContaining(['do-not-merge/hold']) })
    expect(await labelsOnGitHub(c, number)).toEqual(['agent:backend-engineer', 'status:review'])
  })

  it('builds on the branch: keeps a person’s commits (also one pushed mid-update) and the first proposal’s files', async () => {
    const number = await openTask('Add export')
    const branch = `gaffer/backend-engineer/${number}`
    propose('Add export', 'export.js')
    await run('backend-engineer')
    const first = (await commitsOn(branch))[0]!
    const pr = (await c.maya.pulls.list({ owner: c.owner, repo: c.repo, state: 'open' })).data.find((p) => p.head.ref === branch)!.number
    // A person pushes to the agent's branch, then the reviewer sends the work back.
    const human = await mayaCommits(branch, 'notes.md')
    c.model.script({
      toolCalls: [
        { name: 'review_pull_request', arguments: { number: pr, score: 40, verdict: 'request_changes', summary: 'Add the CSV writer too.' } },
      ],
    })
    await run('reviewer')
    await expect.poll(async () => (await getWorkItem(c.db.pool, repository(), number))?.status, poll).toBe('todo')
    // And pushes once more while the agent's commit is on its way: the first ref update is not a fast-forward.
    let racer: string | undefined
    intercept = async (request) => {
      if (racer === undefined && request.method === 'PATCH' && request.path.includes('/git/refs/')) racer = await mayaCommits(branch, 'race.md')
      return undefined
    }
    propose('Add the CSV writer', 'csv.js')
    const before = c.proxy.requests.length

    await run('backend-engineer')

    // The agent's pull request says the branch exists: it is read, not created and refused.
    expect(commitRequests(c.proxy.requests.slice(before)).filter((request) => request === 'POST git/refs')).toEqual([])
    const history = await commitsOn(branch)
    expect(history).toEqual(expect.arrayContaining([first, human, racer!]))
    expect(await fileOn(branch, 'export.js')).toBe('// Add export\n')
    expect(await fileOn(branch, 'notes.md')).toBe('by maya\n')
    expect(await fileOn(branch, 'race.md')).toBe('by maya\n')
    expect(await fileOn(branch, 'csv.js')).toBe('// Add the CSV writer\n')
    const refUpdates = c.proxy.requests.slice(before).filter((request) => request.method === 'PATCH' && request.path.includes('/git/refs/'))
    expect(refUpdates).toHaveLength(2)
    expect(refUpdates.map((request) => (request.body as { force?: boolean }).force)).not.toContain(true)
    const open = (await c.maya.pulls.list({ owner: c.owner, repo: c.repo, state: 'open' })).data.filter((p) => p.head.ref === branch)
    expect(open.map((p) => p.number)).toEqual([pr])
    expect(await labelsOnGitHub(c, number)).toEqual(['agent:backend-engineer', 'status:review'])
  })

  it("leaves the title and description of a person's pull request from the agent's branch, and says what it pushed", async () => {
    const number = await openTask('Add import')
    const branch = `gaffer/backend-engineer/${number}`
    await mayaBranchesFromMain(branch)
    await mayaCommits(branch, 'plan.md')
    const { data: opened } = await c.maya.pulls.create({
      owner: c.owner,
      repo: c.repo,
      head: branch,
      base: 'main',
      title: "maya's import",
      body: 'My plan.',
    })
    propose('Add the importer', 'import.js')

    await run('backend-engineer')

    expect(await fileOn(branch, 'import.js')).toBe('// Add the importer\n')
    const { data: pull } = await c.maya.pulls.get({ owner: c.owner, repo: c.repo, pull_number: opened.number })
    expect({ title: pull.title, body: pull.body }).toEqual({ title: "maya's import", body: 'My plan.' })
    const comments = (await c.maya.issues.listComments({ owner: c.owner, repo: c.repo, issue_number: opened.number })).data.map((x) => x.body ?? '')
    expect(comments.some((body) => body.startsWith(`backend-engineer pushed a change to this branch for #${number}: **Add the importer**`))).toBe(
      true,
    )
  })
})
