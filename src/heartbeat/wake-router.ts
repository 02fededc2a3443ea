export type Wake = (repository: string, agent: string) => void

export type WakeRouter = {
  /** Asks for the agent's heartbeat soon; dropped while no target is routed. */
  wake: Wake
  routeTo(target: Wake): void
}

/**
 * The agent runtime, escalations and the mirror wake agents, and the heartbeats they wake
 * are built from them: this router lets them be built first and connected after. A
 * replica without wakes (tests that drive heartbeats by hand) never routes, so its wakes
 * are dropped and agents wait for their cron.
 */
export function createWakeRouter(): WakeRouter {
  let target: Wake | undefined
  return {
    wake: (repository, agent) => target?.(repository, agent),
    routeTo(next) {
      target = next
    },
  }
}
