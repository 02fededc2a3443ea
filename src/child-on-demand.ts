import type { Logger } from './log.ts'

/**
 * A child logger made only when something logs through it. A pino child costs its
 * bindings' serialization and the redaction setup; a webhook makes one per delivery and,
 * when all goes well, never logs.
 */
export function childOnDemand(log: Logger, bindings: Record<string, unknown>): Logger {
  let child: Logger | undefined
  return new Proxy({} as Logger, {
    get(_target, property) {
      child ??= log.child(bindings)
      const value: unknown = Reflect.get(child, property, child)
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(child) : value
    },
  })
}
