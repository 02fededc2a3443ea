/** What GitHub reports of one attempt to deliver a webhook. */
export type DeliveryAttempt = { id: number; guid: string; statusCode: number }

/**
 * Of GitHub's recent attempts, the ones to ask GitHub to send again: per delivery
 * (guid), none of its attempts succeeded (a 2xx), Gaffer has no record of it, and it
 * was not asked for already. One attempt per guid is named (the newest, listed first).
 */
export function deliveriesToRedeliver(
  attempts: readonly DeliveryAttempt[],
  known: ReadonlySet<string>,
  alreadyAsked: ReadonlySet<string>,
): DeliveryAttempt[] {
  const delivered = new Set(attempts.filter((a) => a.statusCode >= 200 && a.statusCode < 300).map((a) => a.guid))
  const chosen = new Map<string, DeliveryAttempt>()
  for (const attempt of attempts) {
    if (delivered.has(attempt.guid) || known.has(attempt.guid) || alreadyAsked.has(attempt.guid) || chosen.has(attempt.guid)) continue
    chosen.set(attempt.guid, attempt)
  }
  return [...chosen.values()]
}
