import { mkdir } from 'node:fs/promises'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { closedBreaker } from '../src/llm/model-breaker-rules.ts'
import { loadRosterDir, shippedAgentsDir } from '../src/roster/load-roster.ts'
import { sandboxConsoleFor } from '../src/sandbox/sandbox-console.ts'
import { changeModelBreaker } from '../src/store/model-breaker.ts'
import { getWorkItem } from '../src/store/work-items.ts'
import { REHEARSAL_MODEL } from '../src/llm/rehearsal/rehearsal-model.ts'
import { startRehearsalServer, type RehearsalServer } from '../src/llm/rehearsal/rehearsal-server.ts'
import { createLogger } from '../src/log.ts'
import { seedDemoIssues } from '../src/sandbox/seed-demo-issues.ts'
import { launchChromium, runBrowserTests } from './helpers/browser.ts'
import { labelsOnGitHub, poll, useTestCompany, openSettledIssue } from './helpers/test-company.ts'

const TOKEN = 'dashboard-admin-token'

/** What has the keyboard focus, as `tag accessible-name`; run in the page (a string: the tests' types have no DOM). */
const focused = `(() => {
  const element = document.activeElement
  return element.tagName.toLowerCase() + ' ' + (element.getAttribute('aria-label') ?? element.innerText.trim())
})()`

/** GAFFER_SCREENSHOTS=1 writes the docs' screenshots; otherwise the tests leave the tree alone. */
const screenshots = process.env.GAFFER_SCREENSHOTS === '1'
const screenshotDir = new URL('../docs/screenshots/', import.meta.url)

describe.skipIf(!runBrowserTests)('the dashboard at /gaffer, in Chromium', () => {
  // A sandbox-like company: a scripted model, an admin token and the sandbox console.
  const c = useTestCompany({ model: true, app: async () => ({ adminToken: TOKEN, sandboxConsole: sandboxConsoleFor(c.github) }) })
  let browser: Browser
  let context: BrowserContext
  let page: Page
  beforeAll(async () => {
    browser = await launchChromium()
    context = await browser.newContext({ viewport: { width: 1400, height: 1000 } })
    page = await context.newPage()
  })
  afterAll(async () => {
    await browser?.close()
  })

  const text = (selector: string) => page.locator(selector).innerText()
  const repository = () => c.github.repository
  const openIssue = (title: string, labels: string[], body = 'Details.') => openSettledIssue(c, { title, labels, body })
  const queueRow = (number: number) => page.locator('#queue tbody tr').filter({ has: page.locator(`a[href$="/${number}"]`).first() })

  it('refuses a wrong token and sets no cookie', async () => {
    await page.goto(`${c.gaffer!.url}/gaffer`)

    await page.locator('#login').waitFor({ state: 'visible' })
    expect(await text('#login')).toContain('needs the admin token')
    await page.getByLabel('Admin token').fill('not-the-token')
    await page.getByRole('button', { name: 'Log in' }).click()

    await expect.poll(() => text('#login-error'), poll).toContain('That token was refused')
    expect(await context.cookies()).toEqual([])
    expect(await page.locator('nav').count()).toBe(0)
  })

  it('logs in with the token: an HttpOnly, SameSite=Strict cookie, and no token in the address or in reach of scripts', async () => {
    await page.getByLabel('Admin token').fill(TOKEN)
    await page.getByRole('button', { name: 'Log in' }).click()

    await page.locator('#org').waitFor()
    const [cookie, ...others] = await context.cookies()
    expect(others).toEqual([])
    expect(cookie).toMatchObject({ name: 'gaffer_session', httpOnly: true, sameSite: 'Strict', path: '/gaffer', secure: false })
    expect(cookie!.value).not.toContain(TOKEN)
    expect(page.url()).not.toContain(TOKEN)
    expect(await page.evaluate('document.cookie')).toBe('')
  })

  it('shows the org chart as a tree: every agent of the roster, under its manager', async () => {
    const { roster } = await loadRosterDir(shippedAgentsDir)
    const expected = Object.fromEntries(roster!.agents.map((agent) => [agent.slug, agent.reportsTo ?? null]))

    await expect.poll(() => page.locator('#org [data-agent]').count(), poll).toBe(roster!.agents.length)
    const managers = await page
      .locator('#org [data-agent]')
      .evaluateAll((nodes) =>
        Object.fromEntries(
          nodes.map((node) => [node.getAttribute('data-agent'), node.parentElement?.closest('[data-agent]')?.getAttribute('data-agent') ?? null]),
        ),
      )
    expect(managers).toEqual(expected)
    expect(await text('#model')).toBe('Model: gpt-4.1-mini')
    expect(await page.locator('#agent-backend-engineer').innerText()).toMatch(
      /backend-engineer[\s\S]*specialist[\s\S]*idle[\s\S]*reports to vp-engineering/,
    )
    expect(await page.locator('#agent-backend-engineer').innerText()).toContain('$0.00 of $30.00 this month')
  })

  it('lists the queue with priority and its reason, titles as text (HTML in a title never runs), and links to GitHub', async () => {
    const title = '<img src=x onerror="window.injected = true">Fix the login page'
    const number = await openIssue(title, ['area:backend', 'priority:p1'])

    await queueRow(number).waitFor()
    const row = queueRow(number)
    expect(await row.locator('td.title').innerText()).toContain(title)
    expect(await row.locator('td.priority').innerText()).toMatch(/^\d+\s+p1 /)
    expect(await page.locator('#queue img').count()).toBe(0)
    expect(await page.evaluate(() => (globalThis as { injected?: boolean }).injected)).toBeUndefined()
    expect(await row.getByRole('link', { name: `#${number} on GitHub` }).getAttribute('href')).toBe(
      `${c.github.url}/${repository()}/issues/${number}`,
    )
    expect(await text('#attention')).toContain('Nothing is waiting for a decision.')
  })

  it('updates live, without a reload, when a webhook changes an item (a label added on GitHub)', async () => {
    const number = await openIssue('Speed up the catalogue', ['area:backend'])
    await queueRow(number).waitFor()
    await page.evaluate(() => ((globalThis as { notReloaded?: boolean }).notReloaded = true))

    await c.maya.issues.addLabels({ owner: c.owner, repo: c.repo, issue_number: number, labels: ['priority:p2'] })

    await expect.poll(() => queueRow(number).locator('td.title').innerText(), poll).toContain('priority:p2')
    expect(await page.evaluate(() => (globalThis as { notReloaded?: boolean }).notReloaded)).toBe(true)
    expect(await text('.live')).toContain('Live')
  })

  it("shows an item page with its timeline and a chat run's tool calls, tokens and cost", async () => {
    // backend-engineer works up to two items at once: earlier tests' items are closed, so
    // this run works this one alone and the scripted answers all go to it.
    const earlier = await c.db.pool.query<{ number: number }>(
      "select number from work_items where repository = $1 and owner_agent = 'backend-engineer' and state = 'open'",
      [repository()],
    )
    for (const { number } of earlier.rows) await c.maya.issues.update({ owner: c.owner, repo: c.repo, issue_number: number, state: 'closed' })
    for (const { number } of earlier.rows)
      await expect.poll(async () => (await getWorkItem(c.db.pool, repository(), number))?.state, poll).toBe('closed')
    const number = await openIssue('Round prices to the cent', ['area:backend', 'priority:p0'])
    c.model.script(
      { toolCalls: [{ name: 'comment', arguments: { body: 'Rounding now goes to the nearest cent.' } }], usage: { prompt: 1200, completion: 80 } },
      { toolCalls: [{ name: 'set_status', arguments: { status: 'done' } }], usage: { prompt: 1300, completion: 20 } },
    )
    await c.gaffer!.heartbeats.runNow(repository(), 'backend-engineer')

    await page.goto(`${c.gaffer!.url}/gaffer#/items/${repository()}/${number}`)

    await expect.poll(() => page.locator('h1').innerText(), poll).toContain('Round prices to the cent')
    const run = page.locator('details.run').first()
    await expect.poll(() => run.locator('.tool-call').count(), poll).toBe(2)
    expect(await run.locator('.tool-call').first().innerText()).toMatch(/Calls comment[\s\S]*"body": "Rounding now goes to the nearest cent."/)
    expect(await run.locator('.tool-call').nth(1).innerText()).toMatch(/Calls set_status[\s\S]*"status": "done"/)
    expect(await run.locator(':scope > summary').innerText()).toMatch(
      /Chat run by backend-engineer .* 2 turns, 2 tool calls, 2,600 tokens, \$0\.\d+, finished/,
    )
    expect(await run.locator('.entry.tool').first().innerText()).toContain('Result of comment')
    expect(await text('#timeline')).toMatch(/todo → in-progress by backend-engineer \(claim\)/)
    expect(await text('#timeline')).toMatch(/in-progress → done by backend-engineer/)
    expect(await text('#timeline')).toContain('Rounding now goes to the nearest cent.')
  })

  it('opens an issue from the sandbox console as maya, and shows it with the labels Gaffer gives it', async () => {
    await page.getByRole('link', { name: 'Console' }).click()
    await page.getByLabel('Title').fill('Add a search box')
    await page.getByLabel('Labels').fill('area:frontend, priority:p2')
    await page.getByRole('button', { name: 'Open the issue' }).click()

    await expect.poll(() => text('#console-timeline h2'), poll).toContain('Add a search box')
    const number = Number((await text('#console-timeline h2')).match(/#(\d+)/)![1])
    expect((await c.maya.issues.get({ owner: c.owner, repo: c.repo, issue_number: number })).data.user?.login).toBe('maya')
    // Routed by Gaffer through the emulated GitHub's webhook; the console follows live.
    await expect.poll(() => text('#console-labels'), poll).toContain('agent:frontend-engineer')
    expect(await text('#console-labels')).toContain('status:todo')
    await page.getByLabel(/^Comment/).fill('/priority p1')
    await page.getByRole('button', { name: 'Comment', exact: true }).click()
    await expect.poll(() => text('#console-timeline'), poll).toContain('maya commented')
    await expect.poll(() => labelsOnGitHub(c, number), poll).toContain('priority:p1')

    await page.getByRole('link', { name: 'Overview' }).click()
    await queueRow(number).waitFor()
  })

  it('filters the audit log by actor and by item', async () => {
    const number = await openIssue('Audit me', ['area:docs'])

    await page.goto(`${c.gaffer!.url}/gaffer#/audit`)
    await page.getByLabel('Item').fill(String(number))
    await page.getByRole('button', { name: 'Filter' }).click()

    const items = async () =>
      new Set((await page.locator('#audit tbody tr td:nth-child(4)').allInnerTexts()).map((cell) => cell.replace(/\s*GitHub$/, '')))
    await expect.poll(items, poll).toEqual(new Set([`#${number}`]))
    expect(page.url()).toContain(`#/audit?item=${number}`)

    await page.getByLabel('Actor').fill('maya')
    await page.getByLabel('Item').fill('')
    await page.getByRole('button', { name: 'Filter' }).click()
    await expect.poll(async () => new Set(await page.locator('#audit tbody tr td:nth-child(2)').allInnerTexts()), poll).toEqual(new Set(['maya']))
  })

  it('reaches the main controls with the keyboard alone', async () => {
    await page.goto(`${c.gaffer!.url}/gaffer#/`)
    await page.reload()
    await page.locator('#org').waitFor()

    const reached: string[] = []
    for (let presses = 0; presses < 60; presses += 1) {
      await page.keyboard.press('Tab')
      reached.push(await page.evaluate(focused))
    }
    expect(reached[0]).toBe('a Skip to content')
    expect(reached).toEqual(
      expect.arrayContaining(['a Overview', 'a Audit log', 'a Console', 'button Log out', 'button Wake ceo', 'button Wake backend-engineer']),
    )

    // A Wake from the keyboard runs the heartbeat and says what it did.
    await page.getByRole('button', { name: 'Wake reviewer' }).focus()
    await page.keyboard.press('Enter')
    await expect.poll(() => text('#notice'), poll).toMatch(/^reviewer: (idle|worked), \d+ items?/)
  })

  it('lists a dead webhook delivery with its error, so a person can retry it', async () => {
    // What five failed attempts leave behind (test/webhook-intake.test.ts drives a real one there).
    await c.db.pool.query(
      `insert into webhook_deliveries (delivery_id, payload_sha256, event, action, payload, attempts, error, dead_at)
       values ('dead-delivery-1', 'sha-of-a-poison-body', 'issues', 'opened', '{}', 5, 'the payload had no issue', now())`,
    )
    // Inserted dead, as no delivery ever is, so no change event announces it.
    await page.reload()

    await expect.poll(() => page.locator('#dead tbody tr').filter({ hasText: 'dead-delivery-1' }).count(), poll).toBe(1)
    expect(await page.locator('#dead tbody tr').filter({ hasText: 'dead-delivery-1' }).innerText()).toMatch(
      /issues\.opened\s+5\s+the payload had no issue/,
    )
  })

  it('shows the model breaker banner with the last error while the breaker is open, and hides it once closed', async () => {
    expect(await page.locator('#breaker').count()).toBe(0)
    // What three refused model calls leave behind (test/model-breaker.test.ts opens a real one there).
    await changeModelBreaker(c.db.pool, () => ({
      next: {
        state: 'open',
        consecutiveFailures: 3,
        since: new Date(),
        lastError: 'connect ECONNREFUSED 127.0.0.1:9',
        nextProbeAt: new Date(Date.now() + 60_000),
      },
    }))

    await page.locator('#breaker').waitFor()
    expect(await text('#breaker')).toContain('Model work is paused for every agent')
    expect(await text('#breaker')).toContain('(connect ECONNREFUSED 127.0.0.1:9)')
    expect(await page.locator('#agent-ceo .agent-state').innerText()).toBe('model breaker')

    await changeModelBreaker(c.db.pool, () => ({ next: closedBreaker }))
    await expect.poll(() => page.locator('#breaker').count(), poll).toBe(0)
  })

  it('logs out: the cookie is gone and the API refuses the browser again', async () => {
    await page.getByRole('button', { name: 'Log out' }).click()

    await page.locator('#login').waitFor()
    expect(await context.cookies()).toEqual([])
    expect(await page.evaluate(async () => (await fetch('/gaffer/api/state')).status)).toBe(401)
  })
})

describe.skipIf(!runBrowserTests)('the dashboard of the sandbox company, played by the rehearsal model, in Chromium', () => {
  // As `npm start` runs it: the seeded demo issues, the rehearsal model, agents woken as work
  // reaches them, and no admin token (this machine only).
  let rehearsal: RehearsalServer | undefined
  const c = useTestCompany({
    app: async () => {
      rehearsal = await startRehearsalServer(createLogger('silent'))
      return {
        owners: ['maya'],
        model: { apiKey: undefined, baseUrl: rehearsal.url, defaultModel: REHEARSAL_MODEL, rehearsal: true, maxRetries: 0 },
        settings: { wakes: true },
        sandboxConsole: sandboxConsoleFor(c.github),
      }
    },
  })
  /** A generous bound for the chain of heartbeats the seeded goal sets off; the test waits, it does not time them. */
  const chain = { timeout: 120_000, interval: 500 }
  let browser: Browser
  let page: Page
  beforeAll(async () => {
    browser = await launchChromium()
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } })
  })
  afterAll(async () => {
    await browser?.close()
    await rehearsal?.close()
  })
  const shoot = async (name: string) => {
    if (!screenshots) return
    await mkdir(screenshotDir, { recursive: true })
    await page.screenshot({ path: new URL(`${name}.png`, screenshotDir).pathname, fullPage: true })
  }

  it('names the rehearsal model in a banner on every page', async () => {
    await page.goto(`${c.gaffer!.url}/gaffer`)

    await page.locator('#model').waitFor()
    expect(await page.locator('#model').innerText()).toMatch(/^Model: rehearsal model \(no AI\) — a deterministic stand-in .* costs \$0\./)
    await page.getByRole('link', { name: 'Audit log' }).click()
    await page.locator('#audit').waitFor()
    expect(await page.locator('#model').innerText()).toContain('rehearsal model (no AI)')
  })

  it('puts the question the agents cannot answer first, with a link, while the goal becomes reviewed pull requests', async () => {
    await seedDemoIssues(c.github)
    await page.getByRole('link', { name: 'Overview' }).click()

    const question = page.locator('#attention .card').filter({ hasText: 'Should the catalogue show prices with VAT included?' })
    await expect.poll(() => question.count(), chain).toBe(1)
    expect(await question.innerText()).toMatch(/blocked/)
    await expect.poll(async () => (await c.db.pool.query('select count(*)::int as n from quality_scores')).rows[0].n, chain).toBeGreaterThan(0)
    await expect.poll(() => page.locator('#queue-review tbody tr').count(), chain).toBeGreaterThan(0)
    await shoot('overview')

    // The newest pull request's item page: the reviewer's run, its tool calls and the rehearsal model named.
    await page.locator('#queue-review tbody tr a').first().click()
    await page.locator('#item-runs details.run').first().waitFor()
    await expect.poll(() => page.locator('#item-runs .tool-call').count(), chain).toBeGreaterThan(0)
    await shoot('item-page')

    await page.getByRole('link', { name: 'Console' }).click()
    await page.locator('#console-issues button').first().click()
    await page.locator('#console-timeline').waitFor()
    await shoot('console')
  })
})
