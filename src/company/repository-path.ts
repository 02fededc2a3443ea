/**
 * Why an agent may not write a file at `path` (relative to the repository root), or
 * undefined when it may. One rule for every way an agent changes files (propose_change's
 * whole files, a CLI's workspace): no escaping the repository, no git internals, and
 * nothing under `.github/`, where workflows and agent definitions live — an agent must
 * not give itself new powers or change what runs in CI.
 */
export function pathRefusal(path: string): string | undefined {
  if (path === '' || path.startsWith('/') || /^[A-Za-z]:/.test(path) || path.includes('\\') || path.includes('\0')) {
    return 'not a path relative to the repository root'
  }
  const segments = path.split('/')
  if (segments.some((segment) => segment === '..' || segment === '.' || segment === ''))
    return 'not a plain path inside the repository (., .. or an empty folder name)'
  // Case-insensitive: on macOS and Windows checkouts `.GIT/hooks` is `.git/hooks`.
  if (segments.some((segment) => segment.toLowerCase() === '.git')) return 'git internals (.git/) are not part of a change'
  if (segments[0]!.toLowerCase() === '.github') return 'agents may not change .github/ (workflows and agent definitions)'
  return undefined
}
