import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { useTestCompany } from './helpers/test-company.ts'

describe('stopping a replica (emulated GitHub, real Postgres)', () => {
  const c = useTestCompany({ app: { settings: { schedule: false, wakes: false, stopGraceMs: 200 } } })

  it('returns from stop() while a delivery never finishes, leaving it to its lease', async () => {
    let release = () => {}
    const never = new Promise<void>((resolve) => (release = resolve))
    let started = false
    c.gaffer!.probot.on('ping', async () => {
      started = true
      await never
    })
    c.gaffer!.deliveries.process({ deliveryId: randomUUID(), payloadSha256: randomUUID(), event: 'ping', payload: { zen: 'hang' }, attempts: 1 })
    await expect.poll(() => started).toBe(true)

    let stopped = false
    const stopping = c.stopApp().then(() => (stopped = true))
    await expect.poll(() => stopped, { timeout: 10_000 }).toBe(true)

    release()
    await stopping
  })
})
