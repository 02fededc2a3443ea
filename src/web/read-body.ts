import type { IncomingMessage } from 'node:http'

export class BodyTooLargeError extends Error {}

export class BodyTooSlowError extends Error {}

/**
 * Reads a request body as text, refusing more than `limit` bytes. A body not complete
 * within `deadlineMs` cuts the connection (it cannot be answered mid-body), so a sender
 * that trickles bytes cannot hold a read slot for ever.
 */
export async function readBody(req: IncomingMessage, limit: number, deadlineMs: number): Promise<string> {
  const timer = setTimeout(() => req.destroy(new BodyTooSlowError(`request body not complete within ${deadlineMs} ms`)), deadlineMs)
  try {
    const chunks: Buffer[] = []
    let size = 0
    for await (const chunk of req) {
      size += (chunk as Buffer).length
      if (size > limit) throw new BodyTooLargeError(`request body is larger than ${limit} bytes`)
      chunks.push(chunk as Buffer)
    }
    return Buffer.concat(chunks).toString('utf8')
  } finally {
    clearTimeout(timer)
  }
}
