import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import { gitBaseUrlFor } from '../src/github/installation-token.ts'
import type { Octokit } from '../src/github/octokit.ts'
import { createLogger } from '../src/log.ts'
import { getWorkItem } from '../src/store/work-items.ts'
import { prepareWorkspace, type WorkspaceDeps } from '../src/workspace/prepare-workspace.ts'
import { pushChanges } from '../src/workspace/push-changes.ts'
import { startGitServer, type GitServer } from './helpers/git-server.ts'
import { fileOnGitHub, labelsOnGitHub, poll, useTestCompany, settleWebhooks } from './helpers/test-company.ts'
import { orgWithRuntime } from './helpers/org-with-runtime.ts'

const fakeCli = fileURLToPath(new URL('./fixtures/fake-cli.mjs', import.meta.url))

describe('gitBaseUrlFor: where git lives, from the API URL, when GAFFER_GIT_URL is not set', () => {
  it.each([
    ['https://api.github.com', 'https://github.com'],
    ['https://github.example.com/api/v3', 'https://github.example.com'],
    ['https://github.example.com:8443/api/v3/', 'https://github.example.com:8443'],
    // No known git: the checkout comes from the Git Data API.
    ['http://127.0.0.1:4000', undefined],
    ['https://api.example.com', undefined],
    ['http://github.example.com/api/v3', undefined],
  ])('%s → %s', (api, git) => {
    expect(gitBaseUrlFor(api)).toBe(git)
  })
})

describe('workspaces over git: clone and push through a git-over-HTTP stand-in for GitHub (emulated GitHub, real Postgres, git http-backend)', () => {
  let git: GitServer
  let home: string
  const c = useTestCompany({
    app: async () => {
      home = await mkdtemp(path.join(tmpdir(), 'gaffer-git-transport-'))
      const agentsDir = await orgWithRuntime(home, 'backend-engineer', 'fake')
      git = await startGitServer({ github: { url: c.github.url, repository: c.github.repository }, accept: isAppToken })
      return {
        agentsDir,
        owners: ['maya'],
        cli: {
          runtimes: { fake: { adapter: 'command', command: [process.execPath, fakeCli, '--mode=git-work'], env: [], timeoutMinutes: 1 } },
          sandbox: 'auto',
          usdPerMinute: 0,
          home,
          checkout: { gitBaseUrl: git.url },
        },
      }
    },
  })
  afterAll(async () => {
    await git?.close()
    if (home) await rm(home, { recursive: true, force: true })
  })
  beforeEach(async () => {
    git.acceptToken(isAppToken)
    await c.db.pool.query("update work_items set status = 'done' where status = 'todo'")
  })

  const log = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent')
  const at = () => ({ owner: c.owner, repo: c.repo })
  const appOctokit = async (): Promise<Octokit> => c.gaffer!.probot.auth(c.github.app.installationId)
  /** The installation token the app's Octokit holds now (Probot caches one per installation). */
  const appToken = async () => ((await (await appOctokit()).auth({ type: 'installation' })) as { token: string }).token
  async function isAppToken(token: string) {
    return token === (await appToken())
  }
  const deps = (): WorkspaceDeps => ({ pool: c.db.pool, log, home, gitBaseUrl: git.url })
  const commitOn = async (branch: string, file: string, content: string) =>
    c.maya.repos.createOrUpdateFileContents({ ...at(), branch, path: file, message: `add ${file}`, content: Buffer.from(content).toString('base64') })
  const headOf = async (branch: string) => (await c.maya.git.getRef({ ...at(), ref: `heads/${branch}` })).data.object.sha
  const createBranch = async (branch: string) => c.maya.git.createRef({ ...at(), ref: `refs/heads/${branch}`, sha: await headOf('main') })
  const fileOn = (branch: string, file: string) => fileOnGitHub(c, branch, file)
  const openTask = async (title: string) => {
    const number = (await c.maya.issues.create({ ...at(), title, labels: ['agent:backend-engineer'] })).data.number
    await expect.poll(async () => (await getWorkItem(c.db.pool, c.github.repository, number))?.status, poll).toBe('todo')
    await settleWebhooks(c)
    return number
  }
  type Seen = { env: Record<string, string>; gitConfig: string | undefined; files: string[] }

  it('a new item: clones the default branch with the token as basic auth, the CLI sees no token, and the change is pushed with git to gaffer/<agent>/<n> as the draft pull request that closes it', async () => {
    await commitOn('main', 'obsolete.txt', 'to be removed\n')
    const mainHead = await headOf('main')
    const number = await openTask('Add the feature')
    const token = await appToken()
    git.requests.length = 0

    const result = await c.gaffer!.heartbeats.runNow(c.github.repository, 'backend-engineer')

    expect(result).toMatchObject({ outcome: 'worked', items: 1 })
    // Git did the clone and the push, each request with the installation token as x-access-token.
    expect(new Set(git.requests.map((r) => r.service))).toEqual(new Set(['git-upload-pack', 'git-receive-pack']))
    expect(git.requests.every((r) => r.accepted && r.user === 'x-access-token')).toBe(true)
    const branch = `gaffer/backend-engineer/${number}`
    const head = (await c.maya.repos.getCommit({ ...at(), ref: branch })).data
    expect(head.parents.map((p) => p.sha)).toEqual([mainHead])
    expect(head.commit.message.trimEnd()).toBe(`Add the feature\n\nFor #${number}.\n\nGaffer-Agent: backend-engineer`)
    expect(head.commit.author?.name).toBe(`${c.github.app.slug}[bot]`)
    expect(await fileOn(branch, 'feature.txt')).toBe('made by the fake CLI\n')
    expect(await fileOn(branch, 'notes/über "plan".md')).toBe('a name with a space, quotes and an umlaut\n')
    expect(await fileOn(branch, 'obsolete.txt')).toBeUndefined()
    expect(await fileOn('main', 'obsolete.txt')).toBe('to be removed\n')
    const [pull] = (await c.maya.pulls.list({ ...at(), head: `${c.owner}:${branch}`, state: 'open' })).data.filter((p) => p.head.ref === branch)
    expect(pull).toMatchObject({ draft: true, head: { sha: head.sha } })
    expect(pull?.body).toContain(`Closes #${number}`)
    expect(pull?.body).toContain('Added feature.txt and the plan; removed obsolete.txt.')
    expect(await labelsOnGitHub(c, number)).toEqual(['agent:backend-engineer', 'status:review'])
    // What the CLI saw: the default branch's files, a remote without credentials, and no token anywhere.
    const seen = JSON.parse((await fileOn(branch, 'seen.json'))!) as Seen
    expect(seen.files).toEqual(expect.arrayContaining(['README.md', 'obsolete.txt', '.git']))
    expect(seen.gitConfig).toContain(`url = ${git.url}/${c.github.repository}.git`)
    expect(seen.gitConfig).not.toContain(token)
    expect(seen.gitConfig?.toLowerCase()).not.toMatch(/extraheader|authorization|x-access-token/)
    expect(JSON.stringify(seen.env)).not.toContain(token)
    expect(Object.keys(seen.env).filter((name) => name.startsWith('GIT_'))).toEqual([])
    // The workspace went with the run.
    expect(await readdir(path.join(home, 'workspaces'))).toEqual([])
  })

  it('an item whose branch exists: checks out that branch and pushes on top of its head', async () => {
    const number = await openTask('Continue the work')
    const branch = `gaffer/backend-engineer/${number}`
    await createBranch(branch)
    await commitOn(branch, 'on-branch.txt', 'earlier work\n')
    const before = await headOf(branch)

    await c.gaffer!.heartbeats.runNow(c.github.repository, 'backend-engineer')

    const seen = JSON.parse((await fileOn(branch, 'seen.json'))!) as Seen
    expect(seen.files).toContain('on-branch.txt')
    const head = (await c.maya.repos.getCommit({ ...at(), ref: branch })).data
    expect(head.parents.map((p) => p.sha)).toEqual([before])
    expect(await fileOn(branch, 'on-branch.txt')).toBe('earlier work\n')
    expect(await fileOn(branch, 'feature.txt')).toBe('made by the fake CLI\n')
    expect((await getWorkItem(c.db.pool, c.github.repository, number))?.status).toBe('review')
  })

  it('a branch someone pushed to during the run: the refused push is rebuilt on the new head, never forced', async () => {
    const branch = 'gaffer/backend-engineer/801'
    await createBranch(branch)
    const workspace = await prepareWorkspace(deps(), await appOctokit(), { repository: c.github.repository, branch, base: 'main', purpose: 'work' })
    await commitOn(branch, 'by-a-person.txt', 'pushed meanwhile\n')
    const moved = await headOf(branch)

    const sha = await pushChanges(await appOctokit(), workspace, {
      repository: c.github.repository,
      branch,
      message: 'Add the agent file',
      files: [{ path: 'by-the-agent.txt', content: 'from the workspace\n' }],
      author: { name: 'gaffer[bot]', email: 'gaffer[bot]@users.noreply.github.com' },
    })

    const head = (await c.maya.repos.getCommit({ ...at(), ref: branch })).data
    expect(head.sha).toBe(sha)
    expect(head.parents.map((p) => p.sha)).toEqual([moved])
    expect(await fileOn(branch, 'by-a-person.txt')).toBe('pushed meanwhile\n')
    expect(await fileOn(branch, 'by-the-agent.txt')).toBe('from the workspace\n')
    await workspace.finish('ok')
  })

  it('a token GitHub refuses fails the clone and the push with an error that names the repository and what to check', async () => {
    const target = { repository: c.github.repository, branch: 'gaffer/backend-engineer/802', base: 'main', purpose: 'work' as const }
    git.acceptToken(() => false)
    await expect(prepareWorkspace(deps(), await appOctokit(), target)).rejects.toThrow(
      `GitHub refused the app's installation token for the git clone of ${c.github.repository}`,
    )
    expect(await readdir(path.join(home, 'workspaces'))).toEqual([])
    expect(git.requests.at(-1)).toMatchObject({ service: 'git-upload-pack', user: 'x-access-token', accepted: false })

    git.acceptToken(isAppToken)
    const workspace = await prepareWorkspace(deps(), await appOctokit(), target)
    git.acceptToken(() => false)
    await expect(
      pushChanges(await appOctokit(), workspace, {
        repository: c.github.repository,
        branch: target.branch,
        message: 'Never arrives',
        files: [{ path: 'x.txt', content: 'x\n' }],
        author: { name: 'gaffer[bot]', email: 'gaffer[bot]@users.noreply.github.com' },
      }),
    ).rejects.toThrow(/refused the app's installation token for the git push of .*Contents: write permission/)
    expect(await fileOn(target.branch, 'x.txt')).toBeUndefined()
    await workspace.finish('ok')
  })

  it('through the app, a refused token fails the run with that error and leaves no workspace', async () => {
    await openTask('Work the app cannot clone')
    git.acceptToken(() => false)

    const result = await c.gaffer!.heartbeats.runNow(c.github.repository, 'backend-engineer')

    expect(result.outcome).toBe('failed')
    expect(result.error).toMatch(/GitHub refused the app's installation token for the git clone .*Contents: read permission/)
    expect(await readdir(path.join(home, 'workspaces'))).toEqual([])
  })

  it('checks the free disk before cloning: too little, and git is never asked', async () => {
    git.requests.length = 0
    await expect(
      prepareWorkspace({ ...deps(), minFreeBytes: Number.MAX_SAFE_INTEGER }, await appOctokit(), {
        repository: c.github.repository,
        branch: 'gaffer/backend-engineer/803',
        base: 'main',
        purpose: 'work',
      }),
    ).rejects.toThrow(/free .*GAFFER_WORKSPACE_MIN_FREE_MB/)
    expect(git.requests).toEqual([])
  })

  it('keeps no token in the checkout’s .git/config and a clean tree on the item’s branch', async () => {
    const workspace = await prepareWorkspace(deps(), await appOctokit(), {
      repository: c.github.repository,
      branch: 'gaffer/backend-engineer/804',
      base: 'main',
      purpose: 'work',
    })
    const config = await readFile(path.join(workspace.dir, '.git/config'), 'utf8')
    expect(config).not.toContain(await appToken())
    expect(config.toLowerCase()).not.toMatch(/extraheader|authorization/)
    expect(workspace).toMatchObject({ baseRef: 'main', baseSha: await headOf('main'), gitBase: git.url })
    expect((await stat(path.join(workspace.dir, 'README.md'))).isFile()).toBe(true)
    await workspace.finish('ok')
  })
})
