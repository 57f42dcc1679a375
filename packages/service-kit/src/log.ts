import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

/** JSON logs on stdout; secrets are redacted wherever they appear by these names. */
export function createLogger(service: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({
    name: service,
    level,
    redact: {
      paths: ['secret', '*.secret', 'apiSecret', '*.apiSecret', 'signature', '*.signature', 'headers.authorization'],
      censor: '[redacted]',
    },
  });
}
