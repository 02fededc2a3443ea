import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { AppReply, AppReport, AppRequest, AppStart } from './app-process.ts'

export type AppProcess = {
  pid: number
  /** The app's GitHub request counts and resident memory; `reset` starts a new measurement. */
  report(options?: { reset?: boolean }): Promise<AppReport>
  stop(): Promise<void>
}

const script = fileURLToPath(new URL('./app-process.ts', import.meta.url))

/** Starts an app (Gaffer or bare Probot) in a child process and waits until it listens. */
export async function forkApp(options: AppStart): Promise<AppProcess> {
  const child = fork(script, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: ['--expose-gc'] })
  let exited: string | undefined
  child.once('exit', (code, signal) => {
    exited = `the ${options.kind} app process exited (${signal ?? `code ${code}`})`
  })

  const ask = <T extends AppReply['type']>(request: AppRequest, expect: T) =>
    new Promise<Extract<AppReply, { type: T }>>((resolve, reject) => {
      if (exited) return reject(new Error(exited))
      const done = () => {
        child.off('message', onMessage)
        child.off('exit', onExit)
      }
      const onMessage = (reply: AppReply) => {
        if (reply.type === 'failed') {
          done()
          reject(new Error(`the ${options.kind} app process failed to start: ${reply.message}`))
        } else if (reply.type === expect) {
          done()
          resolve(reply as Extract<AppReply, { type: T }>)
        }
      }
      const onExit = () => {
        done()
        reject(new Error(exited ?? `the ${options.kind} app process exited`))
      }
      child.on('message', onMessage)
      child.once('exit', onExit)
      child.send(request)
    })

  try {
    await ask({ type: 'start', ...options }, 'ready')
  } catch (error) {
    child.kill('SIGKILL')
    throw error
  }
  return {
    pid: child.pid!,
    report: (reportOptions = {}) => ask({ type: 'report', ...(reportOptions.reset ? { reset: true } : {}) }, 'report'),
    async stop() {
      if (exited) return
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()))
      child.send({ type: 'stop' } satisfies AppRequest)
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
      await gone
      clearTimeout(timer)
    },
  }
}
