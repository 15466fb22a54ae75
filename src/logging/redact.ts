/**
 * The second line of defence behind pino's `redact` paths: a walk over every logged object that
 * hides values under secret-looking keys at any depth, and scrubs secret-shaped text (JWTs,
 * Entra client secrets, passwords in connection strings) from any string, such as an error
 * message that quoted a request. Messages are written never to contain secrets; this catches
 * what slips through.
 */

const SECRET_KEY =
  /^(client_?secret|secret(text|value)?|password|passwd|token|access_?token|refresh_?token|id_?token|authentication_?token|connector_?token|auth_?token|authorization|proxy-authorization|cookie|set-cookie|client_?state|api_?key|x-api-key|encryption_?keys?|private_?key|jwt|assertion|state)$/i;

export const REDACTED = '[redacted]';

const JWT = /\beyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]{5,}/g;
/** Entra client secret values: three characters, a digit and "Q~", then 30+ characters. */
const ENTRA_SECRET = /\b[\w.-]{3}\dQ~[\w.~-]{30,}/g;
const URI_PASSWORD = /(\b[a-z][\w+.-]*:\/\/[^:/?#@\s]+:)([^@/\s]+)@/gi;
const BEARER = /\b(Bearer|Connector)\s+[\w.~+/=-]{16,}/g;

export function scrubText(text: string): string {
  if (text.length < 16) return text;
  return text
    .replace(JWT, '[redacted-jwt]')
    .replace(ENTRA_SECRET, '[redacted-secret]')
    .replace(URI_PASSWORD, '$1****@')
    .replace(BEARER, '$1 [redacted]');
}

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/** A redacted copy (the caller's objects are never modified); depth-limited, cycle-safe. */
export function redactDeep(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth > 8 || seen.has(value)) return '[…]';
  if (value instanceof Date || Buffer.isBuffer(value)) return value;
  seen.add(value);
  if (Array.isArray(value)) return value.map((item) => redactDeep(item, depth + 1, seen));
  if (value instanceof Error) {
    const out: Record<string, unknown> = {
      type: value.name,
      message: scrubText(value.message),
      ...(value.stack ? { stack: scrubText(value.stack) } : {}),
      ...(value.cause !== undefined ? { cause: redactDeep(value.cause, depth + 1, seen) } : {}),
    };
    for (const [key, inner] of Object.entries(value)) {
      out[key] = isSecretKey(key) ? REDACTED : redactDeep(inner, depth + 1, seen);
    }
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
    out[key] =
      isSecretKey(key) && inner !== null && inner !== undefined && inner !== ''
        ? REDACTED
        : redactDeep(inner, depth + 1, seen);
  }
  return out;
}
