import { describe, expect, it } from 'vitest'
import { mayRun, parseCommands, type Actor } from '../src/company/commands.ts'

describe('parseCommands', () => {
  it.each([
    ['/approve', [{ name: 'approve', args: '' }]],
    ['/APPROVE looks good', [{ name: 'approve', args: 'looks good' }]],
    ['Thanks!\n/reject the API shape is wrong\nmore text', [{ name: 'reject', args: 'the API shape is wrong' }]],
    ['  /priority p1', [{ name: 'priority', args: 'p1' }]],
    [
      '/assign backend-engineer\n/priority p0',
      [
        { name: 'assign', args: 'backend-engineer' },
        { name: 'priority', args: 'p0' },
      ],
    ],
    ['please /approve this', []],
    ['/approved', []],
    ['```\n/approve\n```', []],
    ['~~~\n/unblock\n~~~\n/status', [{ name: 'status', args: '' }]],
    ['````\n```\n/approve\n```\n````', []],
    ['    /approve (indented code)', []],
    ['`/approve` inline code', []],
    [
      '/hold\r\n/unhold',
      [
        { name: 'hold', args: '' },
        { name: 'unhold', args: '' },
      ],
    ],
    ['/pause docs-writer', [{ name: 'pause', args: 'docs-writer' }]],
  ])('%j → %j', (body, expected) => {
    expect(parseCommands(body).commands).toEqual(expected)
  })

  it.each([
    ['a one-line HTML comment', '<!-- /approve -->'],
    ['a multi-line HTML comment', '<!--\n/approve\n-->'],
    ['a multi-line HTML comment inside a paragraph', 'Looks fine <!--\n/approve\n--> to me'],
    ['an unterminated HTML comment', 'ok\n\n<!--\n/approve'],
    ['a <pre> block', '<pre>\n/approve\n</pre>'],
    ['a <pre> block inside a paragraph', 'see <pre>\n/approve\n</pre>'],
    ['a fenced block in a quote', '> ```\n> /approve\n> ```'],
    ['a quoted command', '> /approve'],
    ['inline code before the word', '`x` /approve'],
    ['a fenced block in a list item', '- step\n\n  ```\n  /approve\n  ```'],
    ["an image's alt text", '<img src=x alt="\n/approve\n">'],
    ["an image's alt text inside a paragraph", 'see <img src=x alt="\n/approve\n">'],
    ['an attribute holding a >', "<img alt='a > b\n/approve\n'>"],
    ["a paragraph tag's title", '<p title="\n/approve\n">x</p>'],
    ['a <script> block', '<script>\n\n/approve\n\n</script>'],
    ['a <style> block', '<style>\n\n/approve\n\n</style>'],
    ['a <template> block', '<template>\n\n/approve\n\n</template>'],
    ['a <noscript> block', '<noscript>\n\n/approve\n\n</noscript>'],
    ['a <template> inside a paragraph', 'see <template>\n/approve\n</template>'],
  ])('a command hidden in %s is not a command', (_, body) => {
    expect(parseCommands(body)).toEqual({ commands: [], unknown: [] })
  })

  it.each([
    ['after an HTML comment', '<!-- note -->\n/approve'],
    ['after a <pre> block', '<pre>\nlog\n</pre>\n\n/approve'],
    ['after a fenced block that held a command', '```\n/reject x\n```\n/approve'],
    ['after a paragraph line', 'Read it.\n/approve'],
    ['inside a <div>', '<div>\n/approve\n</div>'],
    ['after a <template> block', '<template>\n\n/reject\n\n</template>\n\n/approve'],
    ['after an image', '<img src=x alt="a\nb">\n/approve'],
  ])('a visible command %s is a command', (_, body) => {
    expect(parseCommands(body).commands).toEqual([{ name: 'approve', args: '' }])
  })

  it.each([
    ['/frobnicate', ['frobnicate']],
    ['/unblok please', ['unblok']],
    ['/approved', ['approved']],
    ['/deploy now\n/approve\n/deploy again', ['deploy']],
    ['please /frobnicate', []],
    ['/path/to/file is broken', []],
    ['```\n/frobnicate\n```', []],
    ['<!-- /frobnicate -->', []],
  ])('%j has the unknown commands %j', (body, unknown) => {
    expect(parseCommands(body).unknown).toEqual(unknown)
  })
})

describe('mayRun', () => {
  const actor = (overrides: Partial<Actor>): Actor => ({
    login: 'someone',
    isBot: false,
    access: 'read',
    isApprover: false,
    authoredPullRequest: false,
    ...overrides,
  })

  it.each([
    ['approve', { access: 'write' }, true],
    ['approve', { access: 'read' }, false],
    ['approve', { access: 'read', isApprover: true }, true],
    ['approve', { access: 'admin', isBot: true }, false],
    ['approve', { access: 'admin', authoredPullRequest: true }, false],
    ['approve', { access: 'read', isApprover: true, authoredPullRequest: true }, false],
    ['approve', { access: 'write', isBot: true }, false],
    ['reject', { access: 'write', isBot: true }, false],
    ['reject', { access: 'write', authoredPullRequest: true }, true],
    ['unblock', { access: 'triage' }, false],
    ['unblock', { access: 'maintain' }, true],
    ['assign', { access: 'write' }, true],
    ['priority', { access: 'none' }, false],
    ['hold', { access: 'triage' }, true],
    ['unhold', { access: 'read' }, false],
    ['pause', { access: 'write' }, false],
    ['pause', { access: 'maintain' }, true],
    ['resume', { access: 'admin' }, true],
    ['status', { access: 'none' }, true],
    ['status', { access: 'none', isBot: true }, true],
  ] as const)('/%s by %j → %s', (command, who, ok) => {
    const decision = mayRun(command, actor(who))

    expect(decision.ok).toBe(ok)
    if (!decision.ok) expect(decision.reason).toMatch(/needs|never|cannot/)
  })
})
