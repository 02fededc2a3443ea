import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { parse as parseYaml } from 'yaml'
import { z } from 'zod'

/** `app.yml`: the GitHub App manifest with the least Gaffer needs (docs/github-app.md). */
export const appManifestPath = fileURLToPath(new URL('../../app.yml', import.meta.url))

/** GitHub's permission levels; some permissions (e.g. `organization_administration`) also have `admin`. */
export const PermissionLevel = z.enum(['read', 'write', 'admin'])
export type PermissionLevel = z.infer<typeof PermissionLevel>

/** The fields of a GitHub App manifest that Gaffer reads or posts (the manifest flow's parameters). */
export const AppManifest = z.object({
  name: z.string().min(1),
  url: z.url(),
  description: z.string().optional(),
  public: z.boolean().optional(),
  hook_attributes: z.object({ url: z.string(), active: z.boolean().optional() }).optional(),
  default_permissions: z.record(z.string(), PermissionLevel),
  default_events: z.array(z.string()),
})
export type AppManifest = z.infer<typeof AppManifest>

/** Reads and checks `app.yml` (or another manifest); an invalid one names the file and the field. */
export async function readAppManifest(file = appManifestPath): Promise<AppManifest> {
  const parsed = AppManifest.safeParse(parseYaml(await readFile(file, 'utf8')))
  if (!parsed.success) {
    throw new Error(`${file}: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || '(top level)'}: ${issue.message}`).join('; ')}`)
  }
  return parsed.data
}
