import { z } from 'zod'
import { DEFAULT_MIN_FREE_BYTES, type GitTransport } from './prepare-workspace.ts'

const Settings = z.object({
  GAFFER_GIT_TRANSPORT: z.enum(['auto', 'git', 'api'], { error: 'must be auto, git or api' }).optional(),
  GAFFER_WORKSPACE_MIN_FREE_MB: z
    .string()
    .regex(/^[0-9]+$/, { error: 'expected a whole number of megabytes, e.g. GAFFER_WORKSPACE_MIN_FREE_MB=1024' })
    .optional(),
})

/**
 * The workspace settings from the environment: how checkouts are made and how much free
 * disk a new one needs. Throws naming the variable and the fix.
 */
export function workspaceSettings(env: NodeJS.ProcessEnv): { gitTransport: GitTransport; minFreeBytes: number } {
  const parsed = Settings.safeParse({
    GAFFER_GIT_TRANSPORT: env.GAFFER_GIT_TRANSPORT?.trim() || undefined,
    GAFFER_WORKSPACE_MIN_FREE_MB: env.GAFFER_WORKSPACE_MIN_FREE_MB?.trim() || undefined,
  })
  if (!parsed.success) throw new Error(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('\n'))
  const mb = parsed.data.GAFFER_WORKSPACE_MIN_FREE_MB
  return {
    gitTransport: parsed.data.GAFFER_GIT_TRANSPORT ?? 'auto',
    minFreeBytes: mb === undefined ? DEFAULT_MIN_FREE_BYTES : Number(mb) * 1024 ** 2,
  }
}
