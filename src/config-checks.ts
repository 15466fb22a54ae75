/**
 * The checks of the configuration a schema cannot express: secrets that are not secrets (what a
 * half-edited template produces), encryption keys that are not random, and rules across
 * variables. src/config.ts runs them with the schema so one boot message lists every problem.
 */

export interface EncryptionKey {
  id: string;
  key: Buffer;
}

/** Variables that hold secrets: refused when they look like a placeholder or a sentence. */
const SECRET_VARIABLES = [
  'AUTH_JWT_SECRET',
  'AUTH_JWT_PREVIOUS_SECRET',
  'METRICS_BEARER_TOKEN',
] as const;

/** Placeholder words seen in templates; a real secret is random and contains none of them. */
const PLACEHOLDER =
  /replace|change[-_ ]?me|changeit|placeholder|your[-_ ]|example|secret[-_]?here|<[^>]*>|\$\{|todo|xxxx/i;

/**
 * Why a secret value is not a secret, or null. Catches what a half-edited `.env` produces: a
 * comment kept as the value (compose keeps `# ...` after `=` without a space before it), prose,
 * a template's placeholder, or a repeated character that passes a length check.
 */
export function secretValueProblem(value: string): string | null {
  if (value.startsWith('#')) return 'starts with "#": a comment was read as the value';
  if (/\s/.test(value)) return 'contains whitespace: prose or a comment, not a secret';
  if (PLACEHOLDER.test(value)) return 'looks like a placeholder: generate a random value';
  if (new Set(value).size < 10) return 'has too few distinct characters to be random';
  return null;
}

/**
 * Checks across variables. They run even when other variables are invalid (a zod refinement
 * would be skipped then), so the boot message lists every problem at once.
 */
export function crossFieldProblems(env: Record<string, string | undefined>): string[] {
  const problems: string[] = [];
  if (!env['AUTH_JWT_SECRET'] && !env['AUTH_JWKS_URL']) {
    problems.push('AUTH_JWT_SECRET: set AUTH_JWT_SECRET (HS256) or AUTH_JWKS_URL');
  }
  if (env['AUTH_JWT_SECRET'] && env['AUTH_JWKS_URL']) {
    // Either would silently win over the other; the operator must say which one is meant.
    problems.push(
      'AUTH_JWT_SECRET: set either AUTH_JWT_SECRET or AUTH_JWKS_URL, not both (AUTH_JWKS_URL is set too)',
    );
  }
  problems.push(...previousSecretProblems(env));
  for (const name of SECRET_VARIABLES) {
    const value = env[name];
    const problem = value === undefined ? null : secretValueProblem(value);
    if (problem) problems.push(`${name}: ${problem}`);
  }
  const keys = env['ENCRYPTION_KEYS'];
  if (keys !== undefined && parseEncryptionKeys(keys) === undefined) {
    problems.push(
      'ENCRYPTION_KEYS: must be comma-separated kid:base64 pairs of random 32-byte keys',
    );
  }
  if (env['NODE_ENV'] === 'production' || env['NODE_ENV'] === undefined) {
    if (/^(true|1|yes)$/.test(env['GRAPHQL_INTROSPECTION'] ?? '')) {
      problems.push('GRAPHQL_INTROSPECTION: introspection is never served in production');
    }
  }
  const base = Number(
    env['SYNC_FAILURE_BACKOFF_BASE_MS'] ?? env['SYNC_POLL_INTERVAL_MS'] ?? 60_000,
  );
  const max = Number(env['SYNC_FAILURE_BACKOFF_MAX_MS'] ?? 3_600_000);
  if (Number.isFinite(base) && Number.isFinite(max) && max < base) {
    problems.push('SYNC_FAILURE_BACKOFF_MAX_MS: must be at least SYNC_FAILURE_BACKOFF_BASE_MS');
  }
  if (env['PORTAL_DEV_SIGN_IN_FILE'] && env['NODE_ENV'] === 'production') {
    problems.push('PORTAL_DEV_SIGN_IN_FILE: demo sign-ins are for development only');
  }
  return problems;
}

/** The rotation secret only makes sense beside a different HS256 secret. */
function previousSecretProblems(env: Record<string, string | undefined>): string[] {
  const previous = env['AUTH_JWT_PREVIOUS_SECRET'];
  if (previous === undefined) return [];
  if (env['AUTH_JWKS_URL']) {
    return ['AUTH_JWT_PREVIOUS_SECRET: only with AUTH_JWT_SECRET (a JWKS rotates by its keys)'];
  }
  if (previous === env['AUTH_JWT_SECRET']) {
    return ['AUTH_JWT_PREVIOUS_SECRET: must differ from AUTH_JWT_SECRET'];
  }
  return [];
}

export function parseEncryptionKeys(raw: string): EncryptionKey[] | undefined {
  const keys = raw.split(',').map((pair) => {
    const [id, b64] = pair.trim().split(':');
    const key = Buffer.from(b64 ?? '', 'base64');
    // A random 32-byte key has ~30 distinct byte values; a pattern (all zeros, a word) has few.
    return id && key.length === 32 && new Set(key).size >= 16 ? { id, key } : undefined;
  });
  if (keys.length === 0 || keys.some((k) => k === undefined)) return undefined;
  const valid = keys as EncryptionKey[];
  return new Set(valid.map((k) => k.id)).size === valid.length ? valid : undefined;
}
