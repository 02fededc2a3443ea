import { readFile } from 'node:fs/promises'
import { fallbackSettings } from '../config/fallback-settings.ts'
import { NotifyChannels } from '../config/notify-channels.ts'
import { parseSettingsText, resolveRepositorySettings } from '../config/resolve-repository-settings.ts'
import { formatProblems } from '../roster/load-roster.ts'

/**
 * `gaffer validate .github/gaffer.yml`: checks one settings file as Gaffer would on the
 * default branch, prints its problems (file, field, fix) or what it sets, and returns the
 * exit code. An `_extends` is named, not followed: that file lives on GitHub.
 */
export async function validateSettings(
  file: string,
  out: { log(text: string): void; error(text: string): void } = console,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const parsed = parseSettingsText(file, await readFile(file, 'utf8'))
  const sources = 'data' in parsed ? [{ file, data: parsed.data }] : []
  const channels = operatorChannels(env.GAFFER_NOTIFY)
  const result = 'data' in parsed ? resolveRepositorySettings(sources, fallbackSettings({}), channels ? { channels } : {}) : undefined
  const problems = 'problem' in parsed ? [parsed.problem] : (result?.problems ?? [])
  for (const warning of result?.warnings ?? []) out.error(`warning: ${formatProblems([warning])}`)
  if (problems.length > 0) {
    out.error(`${problems.length} problem${problems.length === 1 ? '' : 's'} in ${file}:`)
    out.error(formatProblems(problems))
    return 1
  }
  const data = (sources[0]?.data ?? {}) as Record<string, unknown>
  const keys = Object.keys(data).filter((key) => key !== '_extends')
  out.log(`${file} is valid${keys.length > 0 ? `; it sets ${keys.join(', ')}` : ' and sets nothing (every value comes from the environment)'}`)
  if (typeof data._extends === 'string') out.log(`it extends ${data._extends}, which Gaffer reads from GitHub (not checked here)`)
  return 0
}

/** The channel names GAFFER_NOTIFY defines here, so a file naming another is warned of; none when it is unset or invalid (gaffer doctor and start say why). */
function operatorChannels(text: string | undefined): string[] | undefined {
  if (text === undefined || text.trim() === '') return undefined
  try {
    const parsed = NotifyChannels.safeParse(JSON.parse(text))
    return parsed.success ? Object.keys(parsed.data) : undefined
  } catch {
    return undefined
  }
}
