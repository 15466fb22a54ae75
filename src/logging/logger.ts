import { pino, type DestinationStream, type Logger } from 'pino';
import { REDACTED, redactDeep, scrubText } from './redact.js';

export type { Logger } from 'pino';

/**
 * Keys whose values never reach a log line, at any depth (redact.ts matches these and their
 * variants case-insensitively). Messages are written so they never contain a secret either;
 * redaction is the second line of defence.
 */
export const SECRET_KEYS: readonly string[] = [
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
  'cookie',
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
      base: { service: 'entra-connector-hub' },
      // Any depth, any key that looks secret, and secret-shaped text in any string (redact.ts).
      // (pino's own `redact` paths cost ~35 µs a line with wildcards; this walk costs ~3.)
      formatters: {
        log: (object) => redactDeep(object) as Record<string, unknown>,
        bindings: (bindings) => redactDeep(bindings) as Record<string, unknown>,
      },
      serializers: {
        err: (error: unknown) => redactDeep(error),
        // Child bindings (`logger.child({...})`) skip `formatters.log`; serializers apply to them.
        ...Object.fromEntries(SECRET_KEYS.map((key) => [key, () => REDACTED])),
      },
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
