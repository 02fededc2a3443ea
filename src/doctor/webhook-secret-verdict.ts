import type { DoctorLine } from './doctor-line.ts'

/** Below this a secret could be guessed, and anyone who guesses it can forge deliveries. */
const SHORTEST_SECRET = 16

const newSecret = "generate one with `openssl rand -hex 32`, enter it in the App's settings (General → Webhook secret) and set WEBHOOK_SECRET to it"

/** The secret that signs GitHub's deliveries: Gaffer refuses every unsigned or wrongly signed one. */
export function webhookSecretVerdict(secret: string | undefined): DoctorLine {
  if (secret === undefined) {
    return { verdict: 'FAIL', check: 'webhook secret', text: 'WEBHOOK_SECRET is not set: no delivery from GitHub can be verified', fix: newSecret }
  }
  if (secret.length < SHORTEST_SECRET) {
    return {
      verdict: 'WARN',
      check: 'webhook secret',
      text: `WEBHOOK_SECRET is shorter than ${SHORTEST_SECRET} characters: a guessed secret lets anyone forge deliveries`,
      fix: newSecret,
    }
  }
  return { verdict: 'OK', check: 'webhook secret', text: 'WEBHOOK_SECRET is set' }
}
