import { readFileSync } from 'node:fs'
import { parse as parseYaml } from 'yaml'
import { z } from 'zod'

export const cliAdapters = ['codex', 'claude-code', 'opencode', 'command'] as const
export type CliAdapterName = (typeof cliAdapters)[number]

/**
 * Variables a runtime may never pass through, even by name: the app's own secrets, and
 * GitHub tokens that would let a CLI write to the repository past the safe outputs.
 */
export const forbiddenVariables = [
  'PRIVATE_KEY',
  'PRIVATE_KEY_PATH',
  'WEBHOOK_SECRET',
  'GAFFER_ADMIN_TOKEN',
  'DATABASE_URL',
  'GITHUB_TOKEN',
  'GH_TOKEN',
] as const

/** A runtime name as an agent's `runtime:` names it; `chat` is the built-in model loop and cannot be redefined. */
const runtimeName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'runtime names use a-z, 0-9 and "-", e.g. "codex-fast"')
  .refine((name) => name !== 'chat', 'chat is the built-in model loop; give the CLI runtime another name')

/** One operator-defined CLI runtime (SPEC §14). Unknown keys are errors so a typo cannot silently widen what a CLI sees. */
export const CliRuntimeSpec = z
  .strictObject({
    adapter: z.enum(cliAdapters, { error: `must be one of ${cliAdapters.join(', ')}` }),
    command: z.array(z.string().min(1), { error: 'must be a list such as ["codex"] or ["/usr/local/bin/my-agent", "--flag"]' }).min(1).optional(),
    model: z.string().trim().min(1).optional(),
    env: z
      .array(
        z
          .string()
          .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name such as OPENAI_API_KEY')
          .refine((name) => !(forbiddenVariables as readonly string[]).includes(name), {
            message: `is one of Gaffer's own secrets or a GitHub token (${forbiddenVariables.join(', ')}); a CLI never gets it, remove it`,
          }),
        {
          error: 'must be a list of variable names passed through to the CLI, e.g. ["OPENAI_API_KEY"]',
        },
      )
      .default([]),
    timeoutMinutes: z
      .number()
      .positive()
      .max(24 * 60)
      .default(30),
  })
  .refine((spec) => spec.adapter !== 'command' || spec.command !== undefined, {
    message: 'the command adapter runs the program in "command"; set it, e.g. command: ["./my-agent"]',
    path: ['command'],
  })

export type CliRuntimeSpec = z.infer<typeof CliRuntimeSpec>

export const CliRuntimes = z.record(runtimeName, CliRuntimeSpec)
export type CliRuntimes = Record<string, CliRuntimeSpec>

/**
 * The operator's CLI runtimes from GAFFER_RUNTIMES (JSON) or GAFFER_RUNTIMES_FILE
 * (YAML or JSON). Returns one problem line per bad field, in env.ts's style.
 */
export function loadRuntimes(env: Readonly<Record<string, string | undefined>>): {
  runtimes: CliRuntimes
  problems: string[]
} {
  const inline = env.GAFFER_RUNTIMES?.trim() || undefined
  const file = env.GAFFER_RUNTIMES_FILE?.trim() || undefined
  if (inline && file) return { runtimes: {}, problems: ['GAFFER_RUNTIMES_FILE: set either GAFFER_RUNTIMES or GAFFER_RUNTIMES_FILE, not both'] }
  const variable = file ? 'GAFFER_RUNTIMES_FILE' : 'GAFFER_RUNTIMES'
  let data: unknown
  try {
    if (file) data = parseYaml(readFileSync(file, 'utf8'))
    else if (inline) data = JSON.parse(inline)
    else return { runtimes: {}, problems: [] }
  } catch (error) {
    const detail = (error as NodeJS.ErrnoException).code === 'ENOENT' ? `no file at ${file}` : (error as Error).message.split('\n')[0]
    return {
      runtimes: {},
      problems: [`${variable}: ${detail}; expected e.g. {"codex":{"adapter":"codex","env":["OPENAI_API_KEY"]}}`],
    }
  }
  const parsed = CliRuntimes.safeParse(data ?? {})
  if (!parsed.success) {
    return {
      runtimes: {},
      problems: parsed.error.issues.map((issue) => `${variable}: ${issue.path.map(String).join('.') || '(top level)'}: ${issue.message}`),
    }
  }
  return { runtimes: parsed.data, problems: [] }
}
