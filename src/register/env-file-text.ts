import { parseEnv } from 'node:util'

/** What `gaffer register` writes: the new App's credentials, and the API they belong to. */
export type AppEnv = { appId: number; name: string; htmlUrl: string; privateKey: string; webhookSecret: string; apiUrl: string | undefined }

/** Lines setting these are replaced: together they say which App, on which GitHub, Gaffer runs as. */
const registeredVariables = ['APP_ID', 'PRIVATE_KEY', 'PRIVATE_KEY_PATH', 'WEBHOOK_SECRET', 'GITHUB_API_URL'] as const

/** True when an existing `.env` already names a GitHub App (replacing it needs --force). */
export function hasAppCredentials(text: string): boolean {
  const values = parseEnv(text)
  return ['APP_ID', 'PRIVATE_KEY', 'PRIVATE_KEY_PATH', 'WEBHOOK_SECRET'].some((name) => values[name] !== undefined)
}

/**
 * The `.env` text with the App's credentials: the existing file's other lines kept as they
 * were, its App lines replaced. The private key goes inline on one line with `\n` escapes,
 * unquoted, which Node's `--env-file`, Docker's `--env-file`, Compose's `env_file` and
 * systemd's `EnvironmentFile` all read the same way (Gaffer turns `\n` back into newlines).
 */
export function envFileText(existing: string | undefined, app: AppEnv, now: Date): string {
  const kept = existing === undefined ? [] : withoutVariables(existing.replace(/\r\n/g, '\n'), registeredVariables)
  while (kept.length > 0 && kept.at(-1)!.trim() === '') kept.pop()
  const values = existing === undefined ? {} : parseEnv(existing)
  // The name is GitHub's, and a line break in it must not become a line of its own.
  const header = `# GitHub App ${app.name} (${app.htmlUrl})`.replace(/\s+/g, ' ')
  const block = [
    `${header}, registered with gaffer register on ${now.toISOString().slice(0, 10)}`,
    `APP_ID=${app.appId}`,
    `WEBHOOK_SECRET=${envValue(app.webhookSecret)}`,
    `PRIVATE_KEY=${app.privateKey.replace(/\r/g, '').trim().replace(/\n/g, '\\n')}\\n`,
    ...(app.apiUrl === undefined ? [] : [`GITHUB_API_URL=${app.apiUrl}`]),
    ...(values.DATABASE_URL === undefined && values.GAFFER_EMBEDDED_DB === undefined
      ? [
          '# The App needs a database that outlives the process: set DATABASE_URL (or GAFFER_EMBEDDED_DB=1, one replica only).',
          '# DATABASE_URL=postgres://user@host:5432/gaffer',
        ]
      : []),
  ]
  return `${[...kept, ...(kept.length > 0 ? [''] : []), ...block].join('\n')}\n`
}

/** The lines of `text` minus those that set one of `names`, a quoted value running over several lines included. */
function withoutVariables(text: string, names: readonly string[]): string[] {
  const lines = text.split('\n')
  const kept: string[] = []
  for (let index = 0; index < lines.length; index += 1) {
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(lines[index]!)
    if (!match || !names.includes(match[1]!)) {
      kept.push(lines[index]!)
      continue
    }
    const quote = /^["'`]/.exec(match[2]!)?.[0]
    if (quote !== undefined && !match[2]!.slice(1).includes(quote)) {
      while (index + 1 < lines.length && !lines[index + 1]!.includes(quote)) index += 1
      index += 1
    }
  }
  return kept
}

/**
 * A value as it may stand unquoted; anything a reader could take for a quote or a comment
 * is single-quoted (read literally), or double-quoted when it holds a single quote. A
 * value no quoting carries unchanged is refused: a secret must never be altered.
 */
function envValue(value: string): string {
  if (/^[A-Za-z0-9_\-.:/+=@,]*$/.test(value)) return value
  if (!/['\r\n]/.test(value)) return `'${value}'`
  if (!/["\\\r\n]/.test(value)) return `"${value}"`
  throw new Error(
    `the webhook secret GitHub returned cannot be written to .env unchanged; set WEBHOOK_SECRET by hand to the one in the App's settings`,
  )
}
