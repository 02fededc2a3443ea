import { describe, expect, it } from 'vitest'
import { fallbackSettings } from '../src/config/fallback-settings.ts'
import { notificationSelection } from '../src/config/notification-selection.ts'
import { isApprover } from '../src/config/repository-settings.ts'
import { parseSettingsText, resolveRepositorySettings } from '../src/config/resolve-repository-settings.ts'
import { defaultFuses } from '../src/company/fuses.ts'

const env = fallbackSettings({ owners: ['env-owner'], approvers: ['env-approver'], commentAccess: 'writers' })
const repo = 'acme/widgets:.github/gaffer.yml'
const org = 'acme/.github:.github/gaffer.yml'

describe('resolveRepositorySettings', () => {
  it.each([
    ['no file: the environment', [], {}],
    ['a file sets what it names; the rest is the environment', [{ file: repo, data: { qualityThreshold: 85 } }], { qualityThreshold: 85 }],
    [
      'the nearer file wins per key over the org default it extends',
      [
        { file: repo, data: { owners: ['ria'], qualityThreshold: 90 } },
        { file: org, data: { owners: ['olga'], requiredApprovals: 2 } },
      ],
      { owners: ['ria'], qualityThreshold: 90, requiredApprovals: 2 },
    ],
    [
      'fuses merge per fuse across files and over the environment',
      [
        { file: repo, data: { fuses: { maxDepth: 3 } } },
        { file: org, data: { fuses: { maxDepth: 4, maxChildrenPerItem: 6 } } },
      ],
      { fuses: { ...defaultFuses, maxDepth: 3, maxChildrenPerItem: 6 } },
    ],
    [
      'notifications merge per field',
      [
        { file: repo, data: { notifications: { events: ['needs-human'] } } },
        { file: org, data: { notifications: { channels: ['ops-slack'] } } },
      ],
      { notifications: { channels: ['ops-slack'], events: ['needs-human'] } },
    ],
    ['an empty file (parsed as nothing) sets nothing', [{ file: repo, data: null }], {}],
    [
      'every key at once',
      [
        {
          file: repo,
          data: {
            owners: ['a'],
            approvers: ['b'],
            qualityThreshold: 0,
            requiredApprovals: 0,
            escalationTimeout: 5,
            commentAccess: 'everyone',
            notifications: { channels: [], events: [] },
          },
        },
      ],
      {
        owners: ['a'],
        approvers: ['b'],
        qualityThreshold: 0,
        requiredApprovals: 0,
        escalationTimeout: 5,
        commentAccess: 'everyone',
        notifications: { channels: [], events: [] },
      },
    ],
  ])('%s', (_, sources, expected) => {
    const result = resolveRepositorySettings(sources, env)
    expect(result.problems).toEqual([])
    expect(result.settings).toEqual({ ...env, ...expected })
  })

  it.each([
    ['a number out of range', { qualityThreshold: 120 }, 'qualityThreshold', 'from 0 to 100'],
    ['a number that is text', { requiredApprovals: 'two' }, 'requiredApprovals', 'whole number'],
    ['a misspelt key', { qualityTreshold: 80 }, 'qualityTreshold', 'is not a setting; remove it'],
    ['an unknown fuse', { fuses: { maxDeep: 3 } }, 'fuses.maxDeep', 'is not a field of fuses'],
    ['a fuse below 1', { fuses: { maxDepth: 0 } }, 'fuses.maxDepth', 'at least 1'],
    ['a login that is not one', { owners: ['@maya'] }, 'owners.0', 'GitHub login'],
    ['owners as one string', { owners: 'maya' }, 'owners', 'list of GitHub logins'],
    ['an unknown comment access', { commentAccess: 'all' }, 'commentAccess', 'writers or everyone'],
    ['an unknown event', { notifications: { events: ['merged'] } }, 'notifications.events.0', 'needs-human, needs-approval, budget-paused'],
    ['a channel secret in the file', { notifications: { slack: 'https://hooks.slack.com/x' } }, 'notifications.slack', 'remove it'],
  ])('rejects %s, naming the file, the field and the fix', (_, data, field, fix) => {
    const result = resolveRepositorySettings([{ file: repo, data }], env)
    expect(result.settings).toBeUndefined()
    expect(result.problems).toEqual([{ file: repo, field, message: expect.stringContaining(fix) }])
  })

  it('rejects the whole set when the org default it extends is invalid', () => {
    const result = resolveRepositorySettings(
      [
        { file: repo, data: { qualityThreshold: 80 } },
        { file: org, data: { requiredApprovals: -1 } },
      ],
      env,
    )
    expect(result.settings).toBeUndefined()
    expect(result.problems.map((p) => `${p.file} ${p.field}`)).toEqual([`${org} requiredApprovals`])
  })

  it('warns about channels the operator did not define, and still accepts the file', () => {
    const result = resolveRepositorySettings([{ file: repo, data: { notifications: { channels: ['team-slack', 'pager'] } } }], env, {
      channels: ['team-slack'],
    })
    expect(result.settings?.notifications.channels).toEqual(['team-slack', 'pager'])
    expect(result.warnings).toEqual([{ file: repo, field: 'notifications.channels', message: expect.stringContaining('"pager" is not a channel') }])
  })
})

describe('parseSettingsText', () => {
  it.each([
    ['qualityThreshold: 80\n', { data: { qualityThreshold: 80 } }],
    ['', { data: {} }],
    ['# only a comment\n', { data: {} }],
    ['owners: [maya\n', { problem: { file: repo, field: '(file)', message: expect.stringContaining('is not valid YAML') } }],
    ['- maya\n', { problem: { file: repo, field: '(file)', message: expect.stringContaining('mapping of settings') } }],
    ['just text', { problem: { file: repo, field: '(file)', message: expect.stringContaining('mapping of settings') } }],
  ])('%j', (text, expected) => {
    expect(parseSettingsText(repo, text)).toEqual(expected)
  })
})

describe('notificationSelection', () => {
  it.each([
    ['nothing set: every channel, every event', {}, { channels: 'all', events: ['needs-human', 'needs-approval', 'budget-paused'] }],
    ['some channels', { channels: ['ops', 'ops'] }, { channels: ['ops'], events: ['needs-human', 'needs-approval', 'budget-paused'] }],
    ['some events', { events: ['budget-paused' as const] }, { channels: 'all', events: ['budget-paused'] }],
    ['none at all', { channels: [], events: [] }, { channels: [], events: [] }],
  ])('%s', (_, notifications, expected) => {
    expect(notificationSelection({ notifications })).toEqual(expected)
  })
})

describe('isApprover', () => {
  it.each([
    ['an owner', 'olga', true],
    ['a listed approver', 'abe', true],
    ['anyone else', 'oscar', false],
  ])('%s → %s', (_, login, expected) => {
    expect(isApprover({ owners: ['olga'], approvers: ['abe'] }, login)).toBe(expected)
  })
})
