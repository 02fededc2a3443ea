import { mkdtemp, readFile, realpath, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { startUntil } from './helpers/run-process.ts'

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe('npm start', () => {
  let home: string | undefined
  const pids: number[] = []
  afterAll(async () => {
    // A failed run must not leave its processes behind for the next one.
    for (const pid of pids) if (isAlive(pid)) process.kill(pid, 'SIGKILL')
    if (!home) return
    const data = await realpath(path.join(home, 'postgres')).catch(() => undefined)
    await rm(home, { recursive: true, force: true })
    if (data) await rm(data, { recursive: true, force: true })
    if (data) await rm(`${data}.owner`, { force: true })
  })

  it('stops node and the embedded Postgres when only the npm process gets SIGTERM (as from Docker or systemd)', async () => {
    home = await mkdtemp(path.join(tmpdir(), 'gaffer-npm-start-'))
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, GAFFER_HOME: home, PORT: '0', LOG_LEVEL: 'warn' }
    const npm = await startUntil('npm', ['start', '--silent'], env, 'Stop with Ctrl+C.', 90_000)
    const data = await realpath(path.join(home, 'postgres'))
    const postmaster = Number((await readFile(path.join(data, 'postmaster.pid'), 'utf8')).split('\n')[0])
    const stat = await readFile(`/proc/${postmaster}/stat`, 'utf8')
    const node = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
    pids.push(postmaster, node)

    npm.child.kill('SIGTERM')

    // Within the stop's grace period (20 s by default).
    await expect.poll(() => [isAlive(node), isAlive(postmaster)], { timeout: 20_000, interval: 200 }).toEqual([false, false])
  }, 150_000)
})
