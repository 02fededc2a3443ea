import type { Probot } from 'probot'
import { readApp } from './read-app.ts'

export type AppIdentity = {
  /** `<slug>[bot]`: the login the app writes as, so only what it wrote carries a marker to believe. */
  botLogin(): string
  /** Asks GitHub who the app is (`GET /app`) and remembers the answer; returns the slug. */
  authenticate(): Promise<string>
}

/**
 * Who the app is, learned when a replica starts. Wiring hands `botLogin` to every part
 * before anything talks to GitHub; the parts only ask once the replica is running.
 */
export function createAppIdentity(probot: Probot): AppIdentity {
  let slug: string | undefined
  return {
    botLogin() {
      if (slug === undefined) throw new Error("the app's login is not known yet: start the replica (startGaffer) before it handles events")
      return `${slug}[bot]`
    },
    async authenticate() {
      slug = (await readApp(probot)).slug
      return slug
    },
  }
}
