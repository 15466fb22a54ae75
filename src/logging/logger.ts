import { pino, type DestinationStream, type Logger } from 'pino';
import { redactDeep, scrubText } from './redact.js';

export type { Logger } from 'pino';

/**
 * Keys whose values never reach a log line, at any of the depths we log objects at. Messages
 * are written so they never contain a secret either; redaction is the second line of defence.
 */
const SECRET_KEYS = [
  'clientSecret',
  'client_secret',
  'secret',
  'authorization',
  'Authorization',
  'token',
  'authenticationToken',
  'accessToken',
  'access_token',
  'clientState',
  'password',
  'state',
];

export const REDACTED_PATHS: readonly string[] = [
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((key) => `*.${key}`),
  ...SECRET_KEYS.map((key) => `*.*.${key}`),
  'req.headers.authorization',
  'req.headers.cookie',
];

export interface LoggerOptions {
  level: string;
  /** Where lines go; default stdout. Tests pass an in-memory stream. */
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' },
      base: { service: 'entra-connector-hub' },
      // Any depth, any key that looks secret, and secret-shaped text in any string (redact.ts).
      formatters: { log: (object) => redactDeep(object) as Record<string, unknown> },
      serializers: { err: (error: unknown) => redactDeep(error) },
      hooks: {
        logMethod(args, method) {
          // The message itself: `logger.info('token %s', value)` or a string built by hand.
          const scrubbed = args.map((arg) => (typeof arg === 'string' ? scrubText(arg) : arg));
          method.apply(this, scrubbed as Parameters<typeof method>);
        },
      },
    },
    options.destination,
  );
}
