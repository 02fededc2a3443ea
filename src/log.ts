import { pino, type Logger } from 'pino'

export type { Logger }

/** JSON logs with secrets redacted; child loggers add `agent`, `item`, `delivery`, `run`. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { name: 'gaffer' },
      redact: {
        paths: [
          'privateKey',
          'webhookSecret',
          'token',
          'adminToken',
          'apiKey',
          '*.privateKey',
          '*.webhookSecret',
          '*.token',
          '*.apiKey',
          'headers.authorization',
          'req.headers.authorization',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  )
}
