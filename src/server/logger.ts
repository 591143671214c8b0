// pino, with secrets redacted wherever they might appear in a logged object.
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'leadrace' },
    redact: {
      paths: ['token', 'password', '*.token', '*.password', 'authorization', '*.authorization',
        'headers.authorization', 'variables.password', 'variables.token'],
      censor: '[redacted]',
    },
  });
}
