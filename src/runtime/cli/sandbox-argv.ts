/** What bubblewrap needs to know about the host: which system folders are symlinks (e.g. /bin → usr/bin on merged-/usr systems). */
export type SandboxHost = { systemPaths: Array<{ path: string; symlinkTo?: string }> }

export const systemFolders = ['/usr', '/etc', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/opt']

/**
 * The argv that runs `argv` under bubblewrap: only the workspace is writable; the
 * system folders and the program's own folders are bound read-only; no other part of
 * the host's disk exists inside. Every namespace is unshared except the network,
 * since the CLI must reach its model server. `--die-with-parent` and the PID namespace
 * take every process the CLI started down with it; `--new-session` keeps it away from
 * Gaffer's terminal.
 */
export function sandboxArgv(input: {
  bwrap: string
  cwd: string
  argv: readonly string[]
  readOnly: readonly string[]
  host: SandboxHost
}): string[] {
  const system: string[] = []
  for (const { path, symlinkTo } of input.host.systemPaths) {
    system.push(...(symlinkTo === undefined ? ['--ro-bind', path, path] : ['--symlink', symlinkTo, path]))
  }
  // Mounts apply in order: the program's folders come after the empty /tmp, or one under /tmp would be hidden by it.
  const program = [...new Set(input.readOnly)].flatMap((path) => ['--ro-bind', path, path])
  return [
    input.bwrap,
    '--die-with-parent',
    '--new-session',
    '--unshare-all',
    '--share-net',
    ...system,
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    '--tmpfs',
    '/tmp',
    ...program,
    '--bind',
    input.cwd,
    input.cwd,
    '--chdir',
    input.cwd,
    '--',
    ...input.argv,
  ]
}
