import { describe, expect, it } from 'vitest'
import { createLogger } from '../src/log.ts'
import { claimDueJudgments } from '../src/store/priority-judgments.ts'
import { poll, settleWebhooks, useTestCompany, type UsedTestCompany } from './helpers/test-company.ts'

type Row = { priority_score: number; priority_reason: string; judged_hash: string | null; content_hash: string }

const logs: Array<{ msg: string; problem?: string }> = []
let offsetMs = 0

/** The judgment a model gives through the judge_priority tool. */
const judgment = (urgency: string, impact: string, reason: string, unblocks = '') => ({
  toolCalls: [{ name: 'judge_priority', arguments: { urgency, impact, unblocks, reason } }],
})

async function row(c: UsedTestCompany, number: number): Promise<Row> {
  const { rows } = await c.db.pool.query<Row>(
    'select priority_score, priority_reason, judged_hash, content_hash from work_items where repository = $1 and number = $2',
    [c.github.repository, number],
  )
  return rows[0]!
}

/** Opens an issue as the maintainer and waits until it is mirrored and every webhook is processed. */
async function openIssue(c: UsedTestCompany, title: string, body: string): Promise<number> {
  const { data } = await c.maya.issues.create({ owner: c.owner, repo: c.repo, title, body })
  await expect.poll(async () => (await row(c, data.number)) !== undefined, poll).toBe(true)
  await settleWebhooks(c)
  return data.number
}

async function judge(c: UsedTestCompany) {
  return c.gaffer!.judgePriorities!()
}

describe('model-judged priority (SPEC §17)', () => {
  const c = useTestCompany({
    model: true,
    app: {
      now: () => new Date(Date.now() + offsetMs),
      // Only the tests run judgment passes: no timer races them.
      settings: { priorityPollMs: 3_600_000 },
      log: createLogger('info', { write: (line: string) => void logs.push(JSON.parse(line) as { msg: string }) }),
    },
  })

  it('mirrors a new item without asking the model, and the judgment later moves its score by at most 300 with the reason', async () => {
    c.model.script(judgment('critical', 'high', 'nobody can sign in', 'the release'))
    const number = await openIssue(
      c,
      'Login page crashes when the password is empty',
      'Submitting the form with an empty password crashes the login page.',
    )
    const mirrored = await row(c, number)

    expect(c.model.requests).toHaveLength(0)
    expect(mirrored.priority_reason).not.toContain('model')

    const tally = await judge(c)
    const judged = await row(c, number)

    expect(tally).toEqual({ cached: 0, asked: 1, formula: 0, postponed: 0 })
    expect(c.model.requests).toHaveLength(1)
    expect(judged.priority_score).toBe(mirrored.priority_score + 250)
    expect(Math.abs(judged.priority_score - mirrored.priority_score)).toBeLessThanOrEqual(300)
    expect(judged.priority_reason).toBe(
      `${mirrored.priority_reason.replace(/ = \d+$/, '')}, model +250 = ${judged.priority_score}; model: urgency critical, impact high, unblocks the release: nobody can sign in`,
    )
  })

  it('asks once per text: a second pass and a label change ask nothing, an edited body asks again', async () => {
    c.model.reset()
    c.model.script(judgment('low', 'low', 'cosmetic'), judgment('high', 'normal', 'customers complain'))
    const number = await openIssue(c, 'Footer copyright year is outdated', 'The footer still shows last year.')
    await judge(c)
    await judge(c)
    await c.maya.issues.addLabels({ owner: c.owner, repo: c.repo, issue_number: number, labels: ['priority:p2'] })
    await settleWebhooks(c)
    await judge(c)

    expect(c.model.requests).toHaveLength(1)
    expect((await row(c, number)).priority_reason).toMatch(/^p2 300, model -300 = 0; model: urgency low, impact low: cosmetic$/)

    await c.maya.issues.update({
      owner: c.owner,
      repo: c.repo,
      issue_number: number,
      body: 'The footer shows last year and legal asked us to fix it.',
    })
    await settleWebhooks(c)
    await judge(c)

    expect(c.model.requests).toHaveLength(2)
    expect((await row(c, number)).priority_reason).toMatch(/model \+100 = 400; model: urgency high, impact normal: customers complain$/)
  })

  it('reuses the judgment of a paraphrase (one model call for two items) but asks again for a different item', async () => {
    c.model.reset()
    c.model.script(judgment('high', 'high', 'exports time out'), judgment('normal', 'normal', 'rarely used'))
    const first = await openIssue(c, 'Export to CSV is slow for large projects', 'Exporting a large project to CSV takes minutes.')
    await judge(c)
    const paraphrase = await openIssue(c, 'CSV export slow on large projects', 'For large projects the export to CSV takes several minutes.')
    const paraphraseTally = await judge(c)

    expect(paraphraseTally).toEqual({ cached: 1, asked: 0, formula: 0, postponed: 0 })
    expect(c.model.requests).toHaveLength(1)
    expect((await row(c, paraphrase)).priority_reason).toContain('model +200')
    expect((await row(c, paraphrase)).priority_reason.split('; model: ')[1]).toBe((await row(c, first)).priority_reason.split('; model: ')[1])

    const different = await openIssue(c, 'Export to PDF is slow for large projects', 'Exporting a large project to PDF takes minutes.')
    await judge(c)

    expect(c.model.requests).toHaveLength(2)
    expect((await row(c, different)).priority_reason).toContain('model +0 = ')
    expect((await row(c, different)).priority_reason).toContain('rarely used')
  })

  it('asks again once the cached judgment is older than 30 minutes', async () => {
    c.model.reset()
    c.model.script(judgment('normal', 'high', 'many users'), judgment('normal', 'low', 'few users'))
    await openIssue(c, 'Password reset email never arrives', 'Users report the password reset email never arrives.')
    await judge(c)
    offsetMs += 31 * 60_000
    const later = await openIssue(c, 'Users never receive the password reset email', 'The reset email for a password never arrives, users report.')
    await judge(c)

    expect(c.model.requests).toHaveLength(2)
    expect((await row(c, later)).priority_reason).toContain('few users')
  })

  it.each([
    { name: 'text that is not JSON', step: { content: 'This looks important to me.' }, problem: 'not JSON' },
    { name: 'a level that does not exist', step: judgment('extreme', 'high', 'the sky falls'), problem: 'urgency' },
  ])('keeps the formula and logs the problem when the model answers $name', async ({ step, problem }) => {
    c.model.reset()
    c.model.script(step)
    const number = await openIssue(c, `Broken answer case: ${problem}`, `Judging ${problem} gives nothing usable.`)
    const before = await row(c, number)

    const tally = await judge(c)
    const after = await row(c, number)

    expect(tally).toEqual({ cached: 0, asked: 1, formula: 1, postponed: 0 })
    expect(after.priority_score).toBe(before.priority_score)
    expect(after.priority_reason).not.toContain('model')
    expect(after.judged_hash).toBe(after.content_hash)
    expect(logs.find((line) => line.msg.startsWith('the model gave no usable priority judgment') && line.problem?.includes(problem))).toBeDefined()
  })

  it("charges the call to the CEO's monthly budget, and asks nothing while the CEO is paused", async () => {
    c.model.reset()
    c.model.script({ ...judgment('normal', 'normal', 'routine'), usage: { prompt: 1_000_000, completion: 0 } })
    const spent = async () =>
      (
        await c.db.pool.query<{ usd: number }>("select month_spend_usd::float8 as usd from agents where repository = $1 and role = 'ceo'", [
          c.github.repository,
        ])
      ).rows[0]!.usd
    const before = await spent()
    await openIssue(c, 'Rotate the signing keys', 'The signing keys are two years old.')
    await judge(c)

    // gpt-4.1-mini's input price: $0.40 a million tokens.
    expect((await spent()) - before).toBeCloseTo(0.4, 6)

    await c.db.pool.query("update agents set paused = true where repository = $1 and role = 'ceo'", [c.github.repository])
    const number = await openIssue(c, 'Translate the onboarding screens into German', 'The onboarding screens need a German translation.')
    const tally = await judge(c)
    await c.db.pool.query("update agents set paused = false where repository = $1 and role = 'ceo'", [c.github.repository])

    expect(tally).toEqual({ cached: 0, asked: 0, formula: 1, postponed: 0 })
    expect(c.model.requests).toHaveLength(1)
    expect((await row(c, number)).priority_reason).not.toContain('model')
  })

  it('leases a due item to one replica at a time, and to another once the lease lapses', async () => {
    const number = await openIssue(c, 'Leased judgment', 'Only one replica asks about this text.')
    const now = new Date()
    const mine = (claimed: Array<{ number: number }>) => claimed.filter((item) => item.number === number)

    const [first, second] = await Promise.all([claimDueJudgments(c.db.pool, now, 10, 60_000), claimDueJudgments(c.db.pool, now, 10, 60_000)])
    const afterLease = await claimDueJudgments(c.db.pool, new Date(now.getTime() + 61_000), 10, 60_000)

    expect(mine(first).length + mine(second).length).toBe(1)
    expect(mine(afterLease)).toHaveLength(1)
  })
})

describe('model-judged priority on a running worker', () => {
  // The model answers slowly, so the mirrored row is read while the judgment is still under way.
  const c = useTestCompany({ model: { delayMs: 2_000 }, app: { settings: { priorityPollMs: 200 } } })

  it('answers and mirrors the webhook first; the timer asks the model afterwards', async () => {
    c.model.script(judgment('high', 'high', 'checkout is down'))
    const { data } = await c.maya.issues.create({
      owner: c.owner,
      repo: c.repo,
      title: 'Checkout button disabled on Safari',
      body: 'It stays disabled.',
    })
    const number = data.number
    await expect.poll(async () => (await row(c, number)) !== undefined, poll).toBe(true)

    expect((await row(c, number)).priority_reason).not.toContain('model')
    await expect.poll(async () => (await row(c, number)).priority_reason, poll).toContain('model: urgency high, impact high: checkout is down')
    expect(c.model.requests).toHaveLength(1)
  })
})
