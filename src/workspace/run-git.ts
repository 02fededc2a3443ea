import { execFile } from 'node:child_process'
import { tmpdir } from 'node:os'

/**
 * Runs the `git` binary with an environment of its own: the app's secrets (private key,
 * database URL, tokens) are never in it, no user or system config is read, and git never
 * prompts. Hooks and fsmonitor are off for every command, so a checkout cannot make
 * Gaffer's own git calls run anything. `env` adds variables for this one command;
 * `input` is written to its stdin.
 */
export async function runGit(
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string>; input?: string | Buffer } = {},
): Promise<string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: tmpdir(),
    LANG: 'C',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    GIT_AUTHOR_NAME: 'Gaffer',
    GIT_AUTHOR_EMAIL: 'gaffer@localhost.invalid',
    GIT_COMMITTER_NAME: 'Gaffer',
    GIT_COMMITTER_EMAIL: 'gaffer@localhost.invalid',
    ...options.env,
  }
  const hardened = ['-c', 'core.hooksPath=/dev/null', '-c', 'core.fsmonitor=false', ...args]
  return new Promise((resolve, reject) => {
    const child = execFile('git', hardened, { cwd: options.cwd, env, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error) {
        const missing = (error as NodeJS.ErrnoException).code === 'ENOENT'
        reject(
          new Error(
            missing
              ? 'git is not installed (or not on PATH); workspaces need the git binary'
              : `git ${args.join(' ')} failed: ${stderr.trim() || error.message}`,
          ),
        )
        return
      }
      resolve(stdout)
    })
    // git may exit before reading all of its input (a failure); its exit code says why, not the broken pipe.
    child.stdin?.on('error', () => {})
    child.stdin?.end(options.input)
  })
}
