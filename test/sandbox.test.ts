import { mkdtemp, realpath, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { Octokit } from '@octokit/rest'
import { afterAll, describe, expect, it } from 'vitest'
import { startUntil } from './helpers/run-process.ts'

const poll = { timeout: 30_000, interval: 200 }

type Item = { number: number; title: string; status: string | null; owner: string | null }

describe('npm start without GitHub App credentials runs the sandbox', () => {
  let home: string | undefined
  afterAll(async () => {
    if (!home) return
    const data = await realpath(path.join(home, 'postgres')).catch(() => undefined)
    await rm(home, { recursive: true, force: true })
    if (data) await rm(data, { recursive: true, force: true })
  })

  it('starts embedded Postgres and an emulated GitHub, prints where to go, routes work, and stops on SIGTERM', async () => {
    home = await mkdtemp(path.join(tmpdir(), 'gaffer-sandbox-home-'))
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, GAFFER_HOME: home, PORT: '0', LOG_LEVEL: 'warn' }

    const app = await startUntil(process.execPath, ['src/main.ts'], env, 'Stop with Ctrl+C.', 90_000)

    const out = app.stdout()
    const dashboard = /Dashboard\s+(\S+)/.exec(out)?.[1]
    const githubUrl = /Emulated GitHub\s+(\S+)/.exec(out)?.[1]
    const mayaToken = /Act as maya \(write access\):\s+(\S+)/.exec(out)?.[1]
    expect(dashboard).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/gaffer$/)
    expect(githubUrl).toMatch(/^http:\/\/localhost:\d+$/)
    expect(out).toMatch(/Act as oscar \(no access\):\s+gho_/)

    const page = await fetch(dashboard!)
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('<h1>Gaffer</h1>')

    // No model is configured: the goal's task list still fans out to the VPs by their handles
    // labels and the goal waits; other routed items are woken, claimed and blocked with the reason.
    const items = async () => ((await (await fetch(`${dashboard}/api/state`)).json()) as { items: Item[] }).items
    await expect
      .poll(async () => (await items()).sort((a, b) => a.number - b.number).map((i) => [i.title, i.owner, i.status]), poll)
      .toEqual([
        ['Launch the widget catalogue', 'ceo', 'waiting'],
        ['Prices round down instead of to the nearest cent', 'backend-engineer', 'blocked'],
        ['Document how to add a widget', 'docs-writer', 'blocked'],
        ['Team lunch ideas', null, null],
        ['Catalogue API and page with search (area:engineering)', 'vp-engineering', 'blocked'],
        ['Catalogue documentation and launch note (area:product)', 'vp-product', 'blocked'],
      ])

    const maya = new Octokit({ baseUrl: githubUrl, auth: mayaToken })
    const { data: issue } = await maya.issues.create({ owner: 'demo-company', repo: 'widgets', title: 'Add a search box', labels: ['area:frontend'] })
    await expect.poll(async () => (await items()).find((i) => i.number === issue.number)?.owner, poll).toBe('frontend-engineer')

    app.child.kill('SIGTERM')
    expect(await app.exited).toBe(0)
    // A whole process start, Postgres included: on a loaded 2-core machine that alone can take most of a minute.
  }, 180_000)
})
