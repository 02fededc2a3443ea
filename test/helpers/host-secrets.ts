/**
 * What a Gaffer host's environment holds that no CLI may see (SPEC §14), each a value of
 * its own, so a test finds a leak by looking for the values in what the CLI saw.
 */
export const hostSecrets = {
  DATABASE_URL: 'postgres://gaffer:db-secret@127.0.0.1/gaffer',
  PRIVATE_KEY: 'app-private-key-secret',
  WEBHOOK_SECRET: 'webhook-secret-value',
  GAFFER_ADMIN_TOKEN: 'admin-token-secret',
  OPENAI_API_KEY: 'sk-openai-not-named',
  GITHUB_TOKEN: 'ghs_installation_token_secret',
} as const

/** The names of `hostSecrets` whose value appears in `seen` (a CLI's environment, as text). */
export function leakedSecrets(seen: string): string[] {
  return Object.entries(hostSecrets)
    .filter(([, value]) => seen.includes(value))
    .map(([name]) => name)
}
