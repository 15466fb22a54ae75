import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The clientState is the shared secret Graph echoes in every notification of a subscription.
 * 32 random bytes, base64url: 43 characters, under Graph's 128-character limit.
 */
export function newClientState(): string {
  return randomBytes(32).toString('base64url');
}

export function hashClientState(clientState: string): string {
  return createHash('sha256').update(clientState, 'utf8').digest('hex');
}

/**
 * Compares hashes, not the values, in constant time: equal-length inputs for timingSafeEqual
 * whatever the sender put in the field, and nothing about the secret leaks through timing.
 */
export function clientStateMatches(received: unknown, storedHashHex: string): boolean {
  if (typeof received !== 'string' || received.length === 0) return false;
  const expected = Buffer.from(storedHashHex, 'hex');
  const actual = createHash('sha256').update(received, 'utf8').digest();
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
