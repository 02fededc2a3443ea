import type { IncomingMessage } from 'node:http'
import { z } from 'zod'
import { readBody } from './read-body.ts'

/** A request body the caller must fix: its message names what was wrong. */
export class BadRequestError extends Error {}

/** Forms and console actions are small; more than this is not a person typing. */
const FORM_LIMIT = 128 * 1024

/**
 * Reads a small JSON (or url-encoded form) body and checks it against `schema`, so a bad
 * body is a 400 naming the field and what it should be.
 */
export async function readJsonBody<T extends z.ZodType>(req: IncomingMessage, schema: T): Promise<z.infer<T>> {
  let text: string
  try {
    text = await readBody(req, FORM_LIMIT, 10_000)
  } catch (error) {
    throw new BadRequestError((error as Error).message)
  }
  let raw: unknown
  if ((req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) raw = Object.fromEntries(new URLSearchParams(text))
  else {
    try {
      raw = JSON.parse(text || '{}')
    } catch {
      throw new BadRequestError('the body is not JSON; send a JSON object')
    }
  }
  const parsed = schema.safeParse(raw)
  if (!parsed.success) {
    throw new BadRequestError(parsed.error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; '))
  }
  return parsed.data
}
