import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { closedBreaker } from '../src/llm/model-breaker-rules.ts'
import { changeModelBreaker } from '../src/store/model-breaker.ts'
import { getWorkItem } from '../src/store/work-items.ts'
import { launchChromium, runBrowserTests } from './helpers/browser.ts'
import { labelsOnGitHub, poll, useTestCompany } from './helpers/test-company.ts'

const TOKEN = 'dashboard-admin-token'

describe.skipIf(!runBrowserTests)('the dashboard at /gaffer, in Chromium', () => {
  // No model: a woken specialist blocks its item ("no model configured") and escalates it.
  const c = useTestCompany({ app: { adminToken: TOKEN } })
  let browser: Browser
  let page: Page
  beforeAll(async () => {
    browser = await launchChromium()
    page = await browser.newPage()
  })
  afterAll(async () => {
    await browser?.close()
  })

  const text = (selector: string) => page.locator(selector).innerText()
  const row = (table: string, containing: string) => page.locator(`#${table} tbody tr`).filter({ hasText: containing })

  it('asks for the admin token and says when it is wrong', async () => {
    await page.goto(`${c.gaffer!.url}/gaffer`)

    await page.locator('#login').waitFor({ state: 'visible' })
    expect(await text('#error')).toContain('needs the admin token')
    await page.fill('#token', 'not-the-token')
    await page.click('#login button')
    await expect.poll(() => text('#error'), poll).toContain('That token was refused')
    expect(await page.locator('#main').isHidden()).toBe(true)
  })

  it('shows the company, the work and its titles as text, and wakes an agent from its row', async () => {
    const title = '<img src=x onerror="window.injected = true">Fix the login page'
    const { data: issue } = await c.maya.issues.create({ owner: c.owner, repo: c.repo, title, labels: ['area:backend'] })
    await expect.poll(() => labelsOnGitHub(c, issue.number), poll).toContain('status:todo')
    // The dashboard shows the mirror, which takes the routing in just after GitHub does.
    await expect.poll(async () => (await getWorkItem(c.db.pool, c.github.repository, issue.number))?.status, poll).toBe('todo')

    await page.fill('#token', TOKEN)
    await page.click('#login button')
    await page.locator('#main').waitFor({ state: 'visible' })

    expect(await page.locator('#agents tbody tr').count()).toBe(7)
    expect(await row('agents', 'backend-engineer').innerText()).toMatch(/specialist\s+vp-engineering\s+active\s+never ran/)
    const item = row('items', `#${issue.number}`)
    expect(await item.locator('td').nth(1).innerText()).toBe(title)
    expect(await item.innerText()).toContain('todo')
    expect(await page.locator('#items img').count()).toBe(0)
    expect(await page.evaluate(() => (globalThis as { injected?: boolean }).injected)).toBeUndefined()
    expect(await text('#counts')).toContain('todo: 1')
    expect(await text('#attention')).toContain('Nothing is waiting for a decision.')

    const wake = row('agents', 'backend-engineer').getByRole('button', { name: 'Wake' })
    await wake.click()

    await expect.poll(() => text('#notice'), poll).toBe('backend-engineer: worked, 1 item')
    const attention = row('attention', `#${issue.number}`)
    await attention.waitFor()
    expect(await attention.innerText()).toContain('no model configured')
    expect(await attention.locator('td').nth(3).innerText()).toBe('vp-engineering')
    expect(await page.locator('#runs tbody tr').first().innerText()).toMatch(/backend-engineer\s+api\s+worked\s+1/)
    expect(await row('agents', 'backend-engineer').innerText()).toContain('worked, ')
  })

  it('remembers the token for the tab', async () => {
    await page.reload()

    await page.locator('#main').waitFor({ state: 'visible' })
    expect(await page.locator('#login').isHidden()).toBe(true)
    expect(await page.locator('#agents tbody tr').count()).toBe(7)
  })

  it('lists a dead webhook delivery with its error, so a person can retry it', async () => {
    // What five failed attempts leave behind (test/webhook-intake.test.ts drives a real one there).
    await c.db.pool.query(
      `insert into webhook_deliveries (delivery_id, payload_sha256, event, action, payload, attempts, error, dead_at)
       values ('dead-delivery-1', 'sha-of-a-poison-body', 'issues', 'opened', '{}', 5, 'the payload had no issue', now())`,
    )

    await page.reload()

    await expect.poll(() => row('dead', 'dead-delivery-1').count(), poll).toBe(1)
    expect(await row('dead', 'dead-delivery-1').innerText()).toMatch(/issues\.opened\s+5\s+the payload had no issue/)
  })

  it('shows the model breaker banner with the last error while the breaker is open, and hides it once closed', async () => {
    expect(await page.locator('#breaker').isHidden()).toBe(true)
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

    await page.reload()

    await page.locator('#breaker').waitFor({ state: 'visible' })
    expect(await text('#breaker')).toContain('Model work is paused for every agent')
    expect(await text('#breaker')).toContain('(connect ECONNREFUSED 127.0.0.1:9)')

    await changeModelBreaker(c.db.pool, () => ({ next: closedBreaker }))
    await page.reload()
    // The page shows #main only after it rendered the state, banner included.
    await page.locator('#main').waitFor({ state: 'visible' })
    expect(await page.locator('#breaker').isHidden()).toBe(true)
  })
})
