import { spawn, type ChildProcess } from 'node:child_process'

export type Finished = { code: number | null; stdout: string; stderr: string }

/** Runs a command to completion (in `cwd`, by default this one) and collects its output. */
export function runToEnd(command: string, args: string[], env: NodeJS.ProcessEnv = process.env, cwd?: string): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

/** Starts a long-running command and resolves once its stdout contains `ready`. */
export function startUntil(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  ready: string,
  timeoutMs: number,
): Promise<{ child: ChildProcess; stdout: () => string; stderr: () => string; exited: Promise<number | null> }> {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`"${ready}" did not appear within ${timeoutMs} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`))
    }, timeoutMs)
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
      if (stdout.includes(ready)) {
        clearTimeout(timer)
        resolve({ child, stdout: () => stdout, stderr: () => stderr, exited })
      }
    })
    void exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`exited with ${code} before "${ready}"\nstdout:\n${stdout}\nstderr:\n${stderr}`))
    })
  })
}
