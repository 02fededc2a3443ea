import { parse as parseYaml, YAMLParseError } from 'yaml'
import type { z } from 'zod'
import { SettingsFile, type RepositorySettings } from './repository-settings.ts'

/** One settings file as read: where it is (`owner/repo:.github/gaffer.yml`) and its parsed YAML. */
export type SettingsSource = { file: string; data: unknown }

/** What is wrong with a settings file, and how to fix it; the same shape as a roster's problems. */
export type SettingsProblem = { file: string; field: string; message: string }

export type ResolvedSettings =
  | { settings: RepositorySettings; problems: []; warnings: SettingsProblem[] }
  | { settings: undefined; problems: SettingsProblem[]; warnings: SettingsProblem[] }

/**
 * A repository's settings from its files, nearest first (its own file, then the org default
 * or whatever `_extends` named), over the environment's `fallback`. A nearer file wins per
 * key; `fuses` and `notifications` are merged per field, so an org can set one fuse and a
 * repository another. Any invalid file rejects the whole set (the caller keeps the last
 * valid one). `channels` are the operator's notification channels, when known: a name
 * outside them is only a warning, since the operator may add it later.
 */
export function resolveRepositorySettings(
  sources: readonly SettingsSource[],
  fallback: RepositorySettings,
  options: { channels?: readonly string[] } = {},
): ResolvedSettings {
  const problems: SettingsProblem[] = []
  const warnings: SettingsProblem[] = []
  const files: SettingsFile[] = []
  for (const source of sources) {
    const parsed = SettingsFile.safeParse(source.data ?? {})
    if (!parsed.success) {
      problems.push(...issuesOf(source.file, parsed.error.issues))
      continue
    }
    files.push(parsed.data)
    for (const name of parsed.data.notifications?.channels ?? []) {
      if (options.channels && !options.channels.includes(name)) {
        warnings.push({
          file: source.file,
          field: 'notifications.channels',
          message: `"${name}" is not a channel the operator defined in GAFFER_NOTIFY (${options.channels.join(', ') || 'none'}); nothing is sent to it`,
        })
      }
    }
  }
  if (problems.length > 0) return { settings: undefined, problems, warnings }
  const settings = structuredClone(fallback)
  // Farthest first, so each nearer file overrides what it names.
  for (const file of [...files].reverse()) {
    const { _extends, fuses, notifications, ...plain } = file
    Object.assign(settings, plain)
    if (fuses) settings.fuses = { ...settings.fuses, ...fuses }
    if (notifications) settings.notifications = { ...settings.notifications, ...notifications }
  }
  return { settings, problems: [], warnings }
}

/** A settings file's text as YAML, or the problem that says why it is not a mapping of settings. */
export function parseSettingsText(file: string, text: string): { data: unknown } | { problem: SettingsProblem } {
  let data: unknown
  try {
    data = parseYaml(text.replace(/^\uFEFF/, ''))
  } catch (error) {
    const detail = error instanceof YAMLParseError ? error.message.split('\n')[0] : String(error)
    return { problem: { file, field: '(file)', message: `is not valid YAML: ${detail}` } }
  }
  if (data === null || data === undefined) return { data: {} }
  if (typeof data !== 'object' || Array.isArray(data)) {
    return { problem: { file, field: '(file)', message: 'must be a YAML mapping of settings, e.g. qualityThreshold: 80' } }
  }
  return { data }
}

function issuesOf(file: string, issues: readonly z.core.$ZodIssue[]): SettingsProblem[] {
  return issues.map((issue) => {
    const field = issue.path.map(String).join('.') || '(file)'
    if (issue.code === 'unrecognized_keys') {
      return {
        file,
        field: [...issue.path.map(String), ...issue.keys].join('.') || '(file)',
        message:
          issue.path.length === 0
            ? `is not a setting; remove it (the settings are ${SETTINGS_KEYS.join(', ')})`
            : `is not a field of ${issue.path.map(String).join('.')}; remove it`,
      }
    }
    return { file, field, message: issue.message }
  })
}

const SETTINGS_KEYS = Object.keys(SettingsFile.shape).filter((key) => key !== '_extends')
