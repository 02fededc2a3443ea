import { z } from 'zod'
import { httpStatus, splitRepository, type Octokit } from './octokit.ts'

export type Permission = 'admin' | 'maintain' | 'write' | 'triage' | 'read' | 'none'

const PermissionResponse = z.object({ permission: z.string(), role_name: z.string().optional() })

const rank: Record<Permission, number> = { none: 0, read: 1, triage: 2, write: 3, maintain: 4, admin: 5 }

export function atLeast(permission: Permission, needed: Permission): boolean {
  return rank[permission] >= rank[needed]
}

/**
 * A person's permission on a repository, read through the API and cached briefly
 * (a removed collaborator loses access within `ttlMs`). Not a collaborator: `none`.
 */
export function createPermissionCache(ttlMs = 5 * 60_000, now: () => number = Date.now) {
  const cache = new Map<string, { permission: Permission; at: number }>()
  return async function permissionOf(octokit: Octokit, repository: string, login: string): Promise<Permission> {
    const key = `${repository} ${login.toLowerCase()}`
    const hit = cache.get(key)
    if (hit && now() - hit.at < ttlMs) return hit.permission
    const { owner, repo } = splitRepository(repository)
    let permission: Permission
    try {
      const { data } = await octokit.request('GET /repos/{owner}/{repo}/collaborators/{username}/permission', { owner, repo, username: login })
      const parsed = PermissionResponse.parse(data)
      const role = parsed.role_name ?? parsed.permission
      permission = (role in rank ? role : parsed.permission in rank ? parsed.permission : 'none') as Permission
    } catch (error) {
      if (httpStatus(error) !== 404) throw error
      permission = 'none'
    }
    cache.set(key, { permission, at: now() })
    return permission
  }
}

export type PermissionOf = ReturnType<typeof createPermissionCache>
