import { z } from 'zod'
import { isAccess, type Access } from '../company/access.ts'
import { httpStatus, splitRepository, type Octokit } from './octokit.ts'

const PermissionResponse = z.object({ permission: z.string(), role_name: z.string().optional() })

/**
 * A person's permission on a repository, read through the API and cached briefly
 * (a removed collaborator loses access within `ttlMs`). Not a collaborator: `none`.
 */
export function createPermissionCache(ttlMs = 5 * 60_000, now: () => number = Date.now) {
  const cache = new Map<string, { permission: Access; at: number }>()
  return async function permissionOf(octokit: Octokit, repository: string, login: string): Promise<Access> {
    const key = `${repository} ${login.toLowerCase()}`
    const hit = cache.get(key)
    if (hit && now() - hit.at < ttlMs) return hit.permission
    const { owner, repo } = splitRepository(repository)
    let permission: Access
    try {
      const { data } = await octokit.request('GET /repos/{owner}/{repo}/collaborators/{username}/permission', { owner, repo, username: login })
      const parsed = PermissionResponse.parse(data)
      const role = parsed.role_name ?? parsed.permission
      permission = isAccess(role) ? role : isAccess(parsed.permission) ? parsed.permission : 'none'
    } catch (error) {
      if (httpStatus(error) !== 404) throw error
      permission = 'none'
    }
    cache.set(key, { permission, at: now() })
    return permission
  }
}

export type PermissionOf = ReturnType<typeof createPermissionCache>
