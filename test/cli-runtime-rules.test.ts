import { describe, expect, it } from 'vitest'
import { loadRuntimes } from '../src/config/runtimes.ts'
import { buildRoster } from '../src/roster/load-roster.ts'
import { claudeCodeAdapter } from '../src/runtime/cli/adapters/claude-code.ts'
import { codexAdapter } from '../src/runtime/cli/adapters/codex.ts'
import { commandAdapter } from '../src/runtime/cli/adapters/command.ts'
import { opencodeAdapter } from '../src/runtime/cli/adapters/opencode.ts'
import { blockedReason } from '../src/runtime/cli/cli-prompt.ts'
import { chargeFor } from '../src/runtime/cli/cli-work.ts'
import { cliProgressText } from '../src/runtime/cli/progress-text.ts'
import { sandboxArgv } from '../src/runtime/cli/sandbox-argv.ts'
import { createTranscript } from '../src/runtime/cli/transcript.ts'

describe('adapter parsers (recorded event lines)', () => {
  it.each([
    [codexAdapter, '{"type":"thread.started","thread_id":"th_1"}', []],
    [codexAdapter, '{"type":"item.completed","item":{"id":"i","type":"agent_message","text":"Done."}}', [{ kind: 'message', text: 'Done.' }]],
    [
      codexAdapter,
      '{"type":"item.completed","item":{"id":"i","item_type":"command_execution","command":"npm test","exit_code":1}}',
      [{ kind: 'progress', text: 'ran `npm test` (exit 1)' }],
    ],
    [
      codexAdapter,
      '{"type":"item.completed","item":{"type":"file_change","changes":[{"path":"a.ts","kind":"update"}]}}',
      [{ kind: 'progress', text: 'changed a.ts' }],
    ],
    [
      codexAdapter,
      '{"type":"turn.completed","usage":{"input_tokens":10,"cached_input_tokens":4,"output_tokens":3}}',
      [{ kind: 'usage', inputTokens: 10, outputTokens: 3 }],
    ],
    [codexAdapter, '{"type":"turn.failed","error":{"message":"rate limited"}}', [{ kind: 'error', text: 'rate limited' }]],
    [claudeCodeAdapter, '{"type":"system","subtype":"init"}', []],
    [
      claudeCodeAdapter,
      '{"type":"system","subtype":"permission_denied","tool_name":"WebFetch","message":"WebFetch needs approval"}',
      [{ kind: 'error', text: 'not allowed: WebFetch needs approval' }],
    ],
    [
      claudeCodeAdapter,
      '{"type":"assistant","message":{"content":[{"type":"text","text":"Looking."},{"type":"tool_use","name":"Edit","input":{"file_path":"/w/a.ts"}}]}}',
      [
        { kind: 'message', text: 'Looking.' },
        { kind: 'progress', text: 'Edit /w/a.ts' },
      ],
    ],
    [
      claudeCodeAdapter,
      '{"type":"result","subtype":"success","result":"Fixed.","total_cost_usd":0.5,"usage":{"input_tokens":5,"cache_read_input_tokens":5,"cache_creation_input_tokens":1,"output_tokens":2}}',
      [
        { kind: 'message', text: 'Fixed.' },
        { kind: 'usage', inputTokens: 11, outputTokens: 2, costUsd: 0.5, cumulative: true },
      ],
    ],
    [
      claudeCodeAdapter,
      '{"type":"result","subtype":"error_max_turns","is_error":true,"usage":{}}',
      [
        { kind: 'error', text: 'error_max_turns' },
        { kind: 'usage', inputTokens: 0, outputTokens: 0, cumulative: true },
      ],
    ],
    [opencodeAdapter, '{"type":"text","part":{"text":"Hi"}}', [{ kind: 'message', text: 'Hi' }]],
    [opencodeAdapter, '{"type":"tool_use","part":{"tool":"edit","state":{"input":{"filePath":"b.ts"}}}}', [{ kind: 'progress', text: 'edit b.ts' }]],
    [
      opencodeAdapter,
      '{"type":"step_finish","part":{"cost":0.01,"tokens":{"input":7,"output":2,"reasoning":1,"cache":{"read":3,"write":0}}}}',
      [{ kind: 'usage', inputTokens: 10, outputTokens: 3, costUsd: 0.01 }],
    ],
    [opencodeAdapter, '{"type":"error","error":{"name":"APIError","data":{"message":"no key"}}}', [{ kind: 'error', text: 'no key' }]],
    [commandAdapter, '  compiling  ', [{ kind: 'progress', text: 'compiling' }]],
  ])('%#: reads %s', (adapter, line, events) => {
    expect(adapter.parseLine(line)).toEqual(events)
  })

  it.each([codexAdapter, claudeCodeAdapter, opencodeAdapter])('%#: a malformed line gives no event and does not throw', (adapter) => {
    for (const line of [
      '',
      'not json',
      '{"type":',
      '[1,2]',
      'null',
      '{"type":"item.completed","item":null}',
      '{"type":"assistant","message":{"content":"x"}}',
    ]) {
      expect(adapter.parseLine(line)).toEqual([])
    }
  })

  it.each([
    [
      codexAdapter,
      { adapter: 'codex' as const, env: [], timeoutMinutes: 30, model: 'gpt-5-codex' },
      ['codex', 'exec', '--json', '--skip-git-repo-check', '--sandbox', 'workspace-write', '--model', 'gpt-5-codex', '-'],
    ],
    [
      claudeCodeAdapter,
      { adapter: 'claude-code' as const, env: [], timeoutMinutes: 30 },
      ['claude', '-p', '--output-format', 'stream-json', '--verbose', '--permission-mode', 'acceptEdits', '--allowedTools', 'Bash'],
    ],
    [
      opencodeAdapter,
      { adapter: 'opencode' as const, env: [], timeoutMinutes: 30, model: 'ollama/qwen3' },
      ['opencode', 'run', '--format', 'json', '--model', 'ollama/qwen3'],
    ],
    [commandAdapter, { adapter: 'command' as const, env: [], timeoutMinutes: 30, command: ['./agent', '--fast'] }, ['./agent', '--fast']],
  ])('%#: argv', (adapter, spec, argv) => {
    expect(adapter.argv(spec)).toEqual(argv)
  })

  it.each([
    [false, 'workspace-write'],
    [true, 'danger-full-access'],
  ])('codex inside Gaffer bubblewrap (%s) uses sandbox %s: one sandbox, not a nested one', (sandboxed, mode) => {
    const argv = codexAdapter.argv({ adapter: 'codex', env: [], timeoutMinutes: 30 }, { sandboxed })
    expect(argv[argv.indexOf('--sandbox') + 1]).toBe(mode)
  })
})

describe('GAFFER_RUNTIMES', () => {
  it.each([
    ['{"codex":{"adapter":"codex","env":["OPENAI_API_KEY"]}}', []],
    [
      '{"mine":{"adapter":"command"}}',
      ['GAFFER_RUNTIMES: mine.command: the command adapter runs the program in "command"; set it, e.g. command: ["./my-agent"]'],
    ],
    ['{"x":{"adapter":"aider"}}', ['GAFFER_RUNTIMES: x.adapter: must be one of codex, claude-code, opencode, command']],
    ['{"x":{"adapter":"codex","env":["DATABASE_URL"]}}', [expect.stringContaining("GAFFER_RUNTIMES: x.env.0: is one of Gaffer's own secrets")]],
    ['{"x":{"adapter":"codex","shell":true}}', [expect.stringContaining('GAFFER_RUNTIMES: x: ')]],
    ['not json', [expect.stringContaining('GAFFER_RUNTIMES: ')]],
  ])('%s', (value, problems) => {
    expect(loadRuntimes({ GAFFER_RUNTIMES: value }).problems).toEqual(problems)
  })

  it('defaults the timeout to 30 minutes and passes no variable unless named', () => {
    expect(loadRuntimes({ GAFFER_RUNTIMES: '{"c":{"adapter":"claude-code"}}' }).runtimes).toEqual({
      c: { adapter: 'claude-code', env: [], timeoutMinutes: 30 },
    })
  })
})

describe('runtime: in AGENTS.md', () => {
  const agent = (slug: string, front: string) => ({ slug, file: `${slug}/AGENTS.md`, text: `---\n${front}\n---\nWork.` })
  const org = (runtime: string) => [
    agent('ceo', 'name: CEO\nrole: ceo\nheartbeat: "0 * * * *"'),
    agent('dev', `name: Dev\nrole: specialist\nreportsTo: ceo\nheartbeat: "0 * * * *"\nruntime: ${runtime}`),
  ]

  it('is accepted when the operator defined it, and chat always', () => {
    expect(buildRoster(org('codex'), { runtimes: ['codex'] }).problems).toEqual([])
    expect(buildRoster(org('chat')).problems).toEqual([])
  })

  it('is refused when the operator did not define it, naming the runtimes that exist', () => {
    expect(buildRoster(org('codex'), { runtimes: ['claude'] }).problems).toEqual([
      {
        file: 'dev/AGENTS.md',
        field: 'runtime',
        message: '"codex" is not a runtime this Gaffer defines; use one of: chat, claude (the operator defines CLI runtimes in GAFFER_RUNTIMES)',
      },
    ])
  })
})

describe('CLI run text and accounting', () => {
  it('the progress comment shows the state, time, usage and the latest steps', () => {
    const steps = Array.from({ length: 10 }, (_, i) => `step ${i + 1}`)
    expect(
      cliProgressText({
        agentName: 'Backend Engineer',
        runtime: 'codex',
        state: 'running',
        elapsedMs: 95_000,
        steps,
        usage: { inputTokens: 100, outputTokens: 20, costUsd: 0.0123 },
      }),
    ).toBe(
      [
        '**Backend Engineer** on the `codex` runtime: running (1 min 35 s · 120 tokens · $0.0123)',
        '',
        '- … 2 earlier steps',
        ...steps.slice(2).map((s) => `- ${s}`),
      ].join('\n'),
    )
    expect(
      cliProgressText({ agentName: 'Dev', runtime: 'x', state: 'done', elapsedMs: 4_000, steps: [], usage: undefined, report: 'All good.' }),
    ).toBe('**Dev** on the `x` runtime: done (4 s)\n\n**Report**\n\nAll good.')
  })

  it.each([
    ['the CLI’s own cost', { inputTokens: 1000, outputTokens: 1000, costUsd: 0.3 }, 2, { tokens: 2000, costUsd: 0.3 }],
    ['no usage: charged by time', undefined, 2, { tokens: 0, costUsd: 0.1 }],
    ['tokens of an unpriced model', { inputTokens: 5, outputTokens: 5 }, 2, { tokens: 10, costUsd: 0 }],
  ])('%s', (_, usage, minutes, charge) => {
    expect(chargeFor({ prices: {}, usdPerMinute: 0.05 }, 'local-model', usage, minutes)).toEqual(charge)
  })

  it.each([
    ['BLOCKED: need the key from @maya', 'need the key from @maya'],
    ['  blocked:   ', 'the CLI said it is blocked and gave no reason'],
    ['Done. Nothing blocked.', undefined],
  ])('blockedReason(%j)', (report, reason) => {
    expect(blockedReason(report)).toBe(reason)
  })

  it('the transcript keeps only its last characters', () => {
    const transcript = createTranscript(10)
    for (const chunk of ['0123456789', 'abcdefghij', 'XYZ']) transcript.append(chunk)
    expect(transcript.text()).toBe('[earlier output dropped]\ndefghijXYZ')
  })

  it('bubblewrap binds the workspace writable and everything else read-only, network shared, the program after the empty /tmp', () => {
    expect(
      sandboxArgv({
        bwrap: '/usr/bin/bwrap',
        cwd: '/w/x',
        argv: ['codex', 'exec'],
        readOnly: ['/opt/node'],
        host: { systemPaths: [{ path: '/usr' }, { path: '/bin', symlinkTo: 'usr/bin' }] },
      }),
    ).toEqual([
      '/usr/bin/bwrap',
      '--die-with-parent',
      '--new-session',
      '--unshare-all',
      '--share-net',
      '--ro-bind',
      '/usr',
      '/usr',
      '--symlink',
      'usr/bin',
      '/bin',
      '--proc',
      '/proc',
      '--dev',
      '/dev',
      '--tmpfs',
      '/tmp',
      '--ro-bind',
      '/opt/node',
      '/opt/node',
      '--bind',
      '/w/x',
      '/w/x',
      '--chdir',
      '/w/x',
      '--',
      'codex',
      'exec',
    ])
  })
})
