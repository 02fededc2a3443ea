/** Node's socket errors that mean the database could not be reached, not that it refused the statement. */
const socketCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'EPIPE'])

/**
 * node-postgres reports a lost or timed-out connection with a message and no code:
 * "timeout exceeded when trying to connect" (the pool's connection timeout),
 * "Connection terminated unexpectedly" and "Query read timeout" (a query timeout).
 */
const clientMessages = /timeout exceeded when trying to connect|Connection terminated|Query read timeout/i

/**
 * Whether an error from a query means the database was unreachable (so the same
 * statement can succeed later), as opposed to the database refusing the statement
 * (bad data, a constraint), which would fail again on every retry. Unreachable:
 * SQLSTATE class 08 (connection exception), 57P01–57P03 (the server shutting down
 * or starting), 53300 (no free connection slot), a socket error, or a pg client timeout.
 */
export function isConnectionError(error: unknown): boolean {
  if (error instanceof AggregateError && error.errors.some(isConnectionError)) return true
  if (!(error instanceof Error)) return false
  const code = (error as { code?: unknown }).code
  if (typeof code === 'string') {
    if (code.startsWith('08') || ['57P01', '57P02', '57P03', '53300'].includes(code) || socketCodes.has(code)) return true
  }
  return clientMessages.test(error.message)
}
