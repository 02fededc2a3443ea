import { execFileSync } from 'node:child_process'
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, unlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { fallbackSettings } from '../src/config/fallback-settings.ts'
import { defaultSettings } from '../src/gaffer-options.ts'
import { pathRefusal } from '../src/company/repository-path.ts'
import type { Octokit } from '../src/github/octokit.ts'
import { createPermissionCache } from '../src/github/permissions.ts'
import type { WorkContext } from '../src/heartbeat/heartbeat.ts'
import { createLogger } from '../src/log.ts'
import { loadRosterDir, shippedAgentsDir } from '../src/roster/load-roster.ts'
import type { Roster } from '../src/roster/roster.ts'
import { createToolContext } from '../src/runtime/tool.ts'
import { getWorkItem } from '../src/store/work-items.ts'
import { collectChanges, refusedNote } from '../src/workspace/collect-changes.ts'
import { prepareWorkspace } from '../src/workspace/prepare-workspace.ts'
import { pruneWorkspaces } from '../src/workspace/prune-workspaces.ts'
import { publishChanges } from '../src/workspace/publish-changes.ts'
import { createTestCompany, fileOnGitHub, labelsOnGitHub, poll, type TestCompany, settleWebhooks } from './helpers/test-company.ts'

describe('pathRefusal', () => {
  it.each([
    ['src/app.ts', undefined],
    ['docs/.github-notes.md', undefined],
    ['../outside.txt', 'not a plain path inside the repository (., .. or an empty folder name)'],
    ['/etc/passwd', 'not a path relative to the repository root'],
    ['a\\b', 'not a path relative to the repository root'],
    ['.git/config', 'git internals (.git/) are not part of a change'],
    ['.GIT/hooks/post-checkout', 'git internals (.git/) are not part of a change'],
    ['vendor/.git/config', 'git internals (.git/) are not part of a change'],
    ['.github/workflows/ci.yml', 'agents may not change .github/ (workflows and agent definitions)'],
    ['.github/agents/cto/AGENTS.md', 'agents may not change .github/ (workflows and agent definitions)'],
  ])('%s → %s', (p, reason) => {
    expect(pathRefusal(p)).toBe(reason)
  })
})

describe('refusedNote', () => {
  it('lists each path with its reason, in code so a path cannot mention anyone', () => {
    expect(refusedNote([])).toBe('')
    expect(
      refusedNote([
        { path: 'big.bin', reason: 'a binary file' },
        { path: '@maya`x', reason: 'a symbolic link' },
      ]),
    ).toBe('Not published (2 paths):\n- `big.bin`: a binary file\n- `@maya?x`: a symbolic link')
  })
})

describe('workspaces against the emulated GitHub', () => {
  let c: TestCompany
  let home: string
  let roster: Roster
  let octokit: Octokit
  /** What the work step does in the test that drives a heartbeat. */
  let behaviour: (work: WorkContext) => Promise<void> = async () => {}
  const log = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent')

  beforeAll(async () => {
    const loaded = await loadRosterDir(shippedAgentsDir)
    if (!loaded.roster) throw new Error('the shipped roster does not load')
    roster = loaded.roster
    c = await createTestCompany()
    await c.startApp({
      work: async (work) => {
        await behaviour(work)
        return { tokens: 0, costUsd: 0 }
      },
    })
    octokit = await c.gaffer!.probot.auth(c.github.app.installationId)
    home = await mkdtemp(path.join(tmpdir(), 'gaffer-workspaces-'))
    // What every test checks out: a file on main, a folder, an executable script and a link.
    await commitOn('main', 'src/main.js', 'console.log("main")\n')
    await commitOn('main', '.github/workflows/ci.yml', 'on: push\n')
  })
  afterAll(async () => {
    await c?.stop()
    if (home) await rm(home, { recursive: true, force: true })
  })
  beforeEach(() => {
    behaviour = async () => {}
  })

  const repository = () => c.github.repository
  const deps = () => ({ pool: c.db.pool, log, home, gitTransport: 'auto' as const })
  const commitOn = async (branch: string, file: string, content: string) =>
    c.maya.repos.createOrUpdateFileContents({
      owner: c.owner,
      repo: c.repo,
      branch,
      path: file,
      message: `add ${file}`,
      content: Buffer.from(content).toString('base64'),
    })
  const createBranch = async (branch: string) => {
    const main = await c.maya.git.getRef({ owner: c.owner, repo: c.repo, ref: 'heads/main' })
    await c.maya.git.createRef({ owner: c.owner, repo: c.repo, ref: `refs/heads/${branch}`, sha: main.data.object.sha })
  }
  const fileOn = (branch: string, file: string) => fileOnGitHub(c, branch, file)
  const exists = async (p: string) =>
    stat(p).then(
      () => true,
      () => false,
    )

  it('checks out the item’s branch when it exists, else the default branch, and keeps no token in .git/config', async () => {
    await createBranch('gaffer/backend-engineer/901')
    await commitOn('gaffer/backend-engineer/901', 'on-branch.txt', 'only on the branch\n')
    const branchHead = (await c.maya.git.getRef({ owner: c.owner, repo: c.repo, ref: 'heads/gaffer/backend-engineer/901' })).data.object.sha

    const onBranch = await prepareWorkspace(deps(), octokit, {
      repository: repository(),
      branch: 'gaffer/backend-engineer/901',
      base: 'main',
      purpose: 'work',
    })
    const fresh = await prepareWorkspace(deps(), octokit, {
      repository: repository(),
      branch: 'gaffer/backend-engineer/902',
      base: 'main',
      purpose: 'work',
    })

    expect(onBranch).toMatchObject({ branch: 'gaffer/backend-engineer/901', baseRef: 'gaffer/backend-engineer/901', baseSha: branchHead })
    expect(await readFile(path.join(onBranch.dir, 'on-branch.txt'), 'utf8')).toBe('only on the branch\n')
    expect(await readFile(path.join(onBranch.dir, 'src/main.js'), 'utf8')).toBe('console.log("main")\n')
    expect(fresh).toMatchObject({ branch: 'gaffer/backend-engineer/902', baseRef: 'main' })
    expect(await exists(path.join(fresh.dir, 'on-branch.txt'))).toBe(false)
    expect(await readFile(path.join(fresh.dir, 'src/main.js'), 'utf8')).toBe('console.log("main")\n')
    expect(await readFile(path.join(fresh.dir, 'README.md'), 'utf8')).toContain('widgets')
    // A real checkout: git sees a clean tree on the item's branch, so the CLI can diff against it.
    expect(execFileSync('git', ['status', '--porcelain'], { cwd: fresh.dir, encoding: 'utf8' })).toBe('')
    expect(execFileSync('git', ['branch', '--show-current'], { cwd: fresh.dir, encoding: 'utf8' }).trim()).toBe('gaffer/backend-engineer/902')
    const token = ((await octokit.auth({ type: 'installation' })) as { token: string }).token
    for (const workspace of [onBranch, fresh]) {
      const config = await readFile(path.join(workspace.dir, '.git/config'), 'utf8')
      expect(config).not.toContain(token)
      expect(config.toLowerCase()).not.toContain('authorization')
    }
    expect(await collectChanges(fresh)).toEqual({ files: [], refused: [] })
    await onBranch.finish('ok')
    await fresh.finish('ok')
  })

  it('refuses paths outside the workspace, links, git internals, .github/, nested repositories, binaries and oversized files, and runs nothing from the checkout’s git config', async () => {
    const workspace = await prepareWorkspace(deps(), octokit, {
      repository: repository(),
      branch: 'gaffer/backend-engineer/903',
      base: 'main',
      purpose: 'work',
    })
    const dir = workspace.dir
    const ran = path.join(home, 'fsmonitor-ran')
    // What a hostile CLI could do: a git config that runs a command whenever git looks at the tree.
    await writeFile(path.join(home, 'run.sh'), `#!/bin/sh\ntouch ${ran}\ncat\n`)
    await chmod(path.join(home, 'run.sh'), 0o755)
    execFileSync('git', ['config', 'core.fsmonitor', path.join(home, 'run.sh')], { cwd: dir })
    execFileSync('git', ['config', 'filter.evil.clean', path.join(home, 'run.sh')], { cwd: dir })
    await writeFile(path.join(dir, '.git/info/attributes'), '* filter=evil\n')
    await writeFile(path.join(dir, '.git/hooks/pre-commit'), '#!/bin/sh\n')
    await writeFile(path.join(dir, 'ok.txt'), 'fine\n')
    await writeFile(path.join(dir, '../outside.txt'), 'escaped\n')
    await symlink('/etc/passwd', path.join(dir, 'passwd'))
    await symlink(tmpdir(), path.join(dir, 'tmp-link'))
    await mkdir(path.join(dir, '.GIT'))
    await writeFile(path.join(dir, '.GIT/config'), '[core]\n')
    await writeFile(path.join(dir, '.github/workflows/ci.yml'), 'on: [push, pull_request]\n')
    await mkdir(path.join(dir, 'vendor/lib'), { recursive: true })
    execFileSync('git', ['init', '--quiet'], { cwd: path.join(dir, 'vendor/lib') })
    await writeFile(path.join(dir, 'vendor/lib/index.js'), 'x\n')
    await writeFile(path.join(dir, 'logo.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]))
    await writeFile(path.join(dir, 'huge.txt'), 'a'.repeat(1024 ** 2 + 1))

    const changes = await collectChanges(workspace)

    expect(changes.files).toEqual([{ path: 'ok.txt', content: 'fine\n' }])
    expect(changes.refused).toEqual([
      { path: '../outside.txt', reason: 'written outside the workspace' },
      { path: '.GIT/config', reason: 'git internals (.git/) are not part of a change' },
      { path: '.github/workflows/ci.yml', reason: 'agents may not change .github/ (workflows and agent definitions)' },
      { path: 'huge.txt', reason: '1.0 MB, over the 1.0 MB cap for one file' },
      { path: 'logo.png', reason: 'a binary file; only text files are published (commit binaries by hand)' },
      { path: 'passwd', reason: 'a symbolic link pointing outside the workspace (to /etc/passwd); links are not published' },
      { path: 'tmp-link', reason: `a symbolic link pointing outside the workspace (to ${tmpdir()}); links are not published` },
      { path: 'vendor/lib/', reason: 'a git repository inside the workspace (nested clones and submodules are not published)' },
    ])
    expect(await exists(ran)).toBe(false)
    await workspace.finish('ok')
  })

  it('refuses a file reached through a linked folder that was part of the checkout', async () => {
    const workspace = await prepareWorkspace(deps(), octokit, {
      repository: repository(),
      branch: 'gaffer/backend-engineer/904',
      base: 'main',
      purpose: 'work',
    })
    // The CLI swaps a real folder for a link, then git sees the link's files as the folder's.
    await rm(path.join(workspace.dir, 'src'), { recursive: true })
    const elsewhere = await mkdtemp(path.join(tmpdir(), 'elsewhere-'))
    await writeFile(path.join(elsewhere, 'main.js'), 'stolen\n')
    await symlink(elsewhere, path.join(workspace.dir, 'src'))

    const changes = await collectChanges(workspace)

    expect(changes.files).toEqual([{ path: 'src/main.js', deleted: true }])
    expect(changes.refused).toEqual([
      { path: 'src', reason: `a symbolic link pointing outside the workspace (to ${elsewhere}); links are not published` },
    ])
    await workspace.finish('ok')
    await rm(elsewhere, { recursive: true })
  })

  it('publishes a change — new, changed and deleted files — as a draft pull request on gaffer/<agent>/<n> that closes the item, which goes to review', async () => {
    const number = (await c.maya.issues.create({ owner: c.owner, repo: c.repo, title: 'Add a feature', labels: ['agent:backend-engineer'] })).data
      .number
    await expect.poll(async () => (await getWorkItem(c.db.pool, repository(), number))?.status, poll).toBe('todo')
    await settleWebhooks(c)
    let published: { number: number; url?: string } | undefined
    let kept: string | undefined
    behaviour = async (work) => {
      const ctx = createToolContext(
        {
          pool: c.db.pool,
          log,
          rosters: { get: () => roster },
          settings: { get: () => fallbackSettings({}) },
          permissionOf: createPermissionCache(),
          now: () => new Date(),
          botLogin: () => `${c.github.app.slug}[bot]`,
          leaseMs: defaultSettings.leaseMs,
        },
        { ...work, log },
      )
      const workspace = await prepareWorkspace(deps(), work.octokit, {
        repository: repository(),
        branch: `gaffer/backend-engineer/${number}`,
        base: 'main',
        purpose: 'work',
        run: work.runId,
      })
      // What a CLI would do in its checkout.
      await writeFile(path.join(workspace.dir, 'src/feature.js'), 'export const feature = true\n')
      await writeFile(path.join(workspace.dir, 'tool.sh'), '#!/bin/sh\necho hi\n', { mode: 0o755 })
      await writeFile(path.join(workspace.dir, 'README.md'), '# widgets\n\nNow with a feature.\n')
      await unlink(path.join(workspace.dir, 'src/main.js'))
      const changes = await collectChanges(workspace)
      published = await publishChanges(ctx, workspace, {
        title: 'Add the feature (fixes #1)',
        body: 'Adds it, @maya. Fixes #1.',
        files: changes.files,
      })
      kept = workspace.dir
      await workspace.finish('ok')
    }

    await c.gaffer!.heartbeats.runNow(repository(), 'backend-engineer')

    const branch = `gaffer/backend-engineer/${number}`
    const pr = (await c.maya.pulls.list({ owner: c.owner, repo: c.repo, state: 'open' })).data.find((p) => p.head.ref === branch)
    expect(published?.number).toBe(pr?.number)
    expect(pr).toMatchObject({ draft: true, title: 'Add the feature (fixes `#1`)' })
    expect(pr?.body).toContain(`Closes #${number}`)
    expect(pr?.body).toContain('Adds it, `@maya`. Fixes `#1`.')
    expect(await fileOn(branch, 'src/feature.js')).toBe('export const feature = true\n')
    expect(await fileOn(branch, 'README.md')).toBe('# widgets\n\nNow with a feature.\n')
    expect(await fileOn(branch, 'src/main.js')).toBeUndefined()
    expect(await fileOn('main', 'src/main.js')).toBe('console.log("main")\n')
    const tree = (await c.maya.git.getTree({ owner: c.owner, repo: c.repo, tree_sha: branch, recursive: 'true' })).data.tree
    expect(tree.find((entry) => entry.path === 'tool.sh')?.mode).toBe('100755')
    const head = (await c.maya.repos.getCommit({ owner: c.owner, repo: c.repo, ref: branch })).data
    expect(head.commit.message).toBe(`Add the feature (fixes \`#1\`)\n\nFor #${number}.\n\nGaffer-Agent: backend-engineer`)
    expect(await labelsOnGitHub(c, number)).toEqual(['agent:backend-engineer', 'status:review'])
    expect(await exists(path.dirname(kept!))).toBe(false)
  })

  it('finish("failed") keeps the workspace until a prune 24 h later; finish("ok") deletes it', async () => {
    const failed = await prepareWorkspace(deps(), octokit, {
      repository: repository(),
      branch: 'gaffer/backend-engineer/905',
      base: 'main',
      purpose: 'work',
    })
    const root = path.dirname(failed.dir)
    await failed.finish('failed')
    expect(await exists(path.join(failed.dir, 'src/main.js'))).toBe(true)

    expect(await pruneWorkspaces(home, new Date(Date.now() + 23 * 60 * 60_000))).toEqual([])
    expect(await exists(root)).toBe(true)
    expect(await pruneWorkspaces(home, new Date(Date.now() + 25 * 60 * 60_000))).toEqual([path.basename(root)])
    expect(await exists(root)).toBe(false)
    expect(await readdir(path.join(home, 'workspaces'))).toEqual([])
  })

  it('refuses to check out when the disk is below the free-space threshold, and names the setting', async () => {
    await expect(
      prepareWorkspace({ ...deps(), minFreeBytes: Number.MAX_SAFE_INTEGER }, octokit, {
        repository: repository(),
        branch: 'gaffer/backend-engineer/906',
        base: 'main',
        purpose: 'work',
      }),
    ).rejects.toThrow(/free .*GAFFER_WORKSPACE_MIN_FREE_MB/)
    expect(await readdir(path.join(home, 'workspaces'))).toEqual([])
  })
})
