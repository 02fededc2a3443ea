/** A person's role on a repository, as GitHub names it; `none` for someone who is not a collaborator. */
export type Access = 'admin' | 'maintain' | 'write' | 'triage' | 'read' | 'none'

const rank: Record<Access, number> = { none: 0, read: 1, triage: 2, write: 3, maintain: 4, admin: 5 }

export function isAccess(role: string): role is Access {
  return Object.hasOwn(rank, role)
}

/** Whether `access` includes `needed` (roles are ordered: each includes the ones below it). */
export function atLeast(access: Access, needed: Access): boolean {
  return rank[access] >= rank[needed]
}
