import type { ObservedRequest } from './observe-requests.ts'
import type { Octokit } from './octokit.ts'
import { readApp } from './read-app.ts'

export type AppIdentity = {
  /** `<slug>[bot]`: the login the app writes as, so only what it wrote carries a marker to believe. */
  botLogin(): string
  /** Asks GitHub who the app is (`GET /app`, with the app's own Octokit) and remembers the answer; returns the slug. */
  authenticate(appOctokit: Pick<Octokit, 'request'>): Promise<string>
  /**
   * Whether GitHub accepts the app's credentials, for `/readyz`: not before `authenticate`
   * succeeded, and not while GitHub refuses the app's own requests (a revoked key, say).
   */
  authentication(): { ok: true } | { ok: false; reason: string }
  /** Learns from every answer to a request made as the app (`/app/…`: its JWT and installation tokens). */
  observe(request: ObservedRequest): void
}

/**
 * Who the app is, learned when a replica starts. Wiring hands `botLogin` to every part
 * before anything talks to GitHub; the parts only ask once the replica is running.
 */
export function createAppIdentity(): AppIdentity {
  let slug: string | undefined
  let refused: string | undefined
  return {
    botLogin() {
      if (slug === undefined) throw new Error("the app's login is not known yet: start the replica (startGaffer) before it handles events")
      return `${slug}[bot]`
    },
    async authenticate(appOctokit) {
      slug = (await readApp(appOctokit)).slug
      refused = undefined
      return slug
    },
    authentication() {
      if (slug === undefined) return { ok: false, reason: 'the app has not authenticated with GitHub yet' }
      return refused === undefined ? { ok: true } : { ok: false, reason: refused }
    },
    observe({ route, status }) {
      if (!/^\/app(\/|$)/.test(route) || status === undefined) return
      if (status === 401) refused = `GitHub refused the app's credentials (401 from ${route}); check APP_ID and PRIVATE_KEY`
      else if (status < 300) refused = undefined
    },
  }
}
