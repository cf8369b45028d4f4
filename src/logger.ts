import pino from 'pino';

export type Logger = pino.Logger;

/** One pino logger per process; the SDK's logs are routed into it by `Runtime.install`. */
export function createLogger(level: string, name = 'billflow'): Logger {
  return pino({
    name,
    level,
    redact: { paths: ['req.headers.authorization', '*.apiKey', '*.password'], censor: '[redacted]' },
  });
}
