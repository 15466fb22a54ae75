import { createHash, randomBytes } from 'node:crypto';

/** A random bearer token with a recognisable prefix (so leaked ones can be found by scanners). */
export function generateOpaqueToken(prefix: string, bytes = 32): string {
  return `${prefix}_${randomBytes(bytes).toString('base64url')}`;
}

/** Tokens are high-entropy, so a plain SHA-256 is enough to store them: no salt, no KDF. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
