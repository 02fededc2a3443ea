import { createHash, timingSafeEqual } from 'node:crypto'

/** Whether two secrets are equal, in time that depends neither on where they differ nor on their lengths. */
export function sameSecret(presented: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest()
  return timingSafeEqual(digest(presented), digest(expected))
}
