/**
 * Rotating the HS256 secret without signing everyone out (docs/operations.md, "Rotate the JWT
 * secret"): with AUTH_JWT_PREVIOUS_SECRET, tokens signed with the old secret keep working until
 * they expire while the portal signs with the new one; once the variable is removed they stop.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from '../../src/config.js';
import { startTestHub, TEST_JWT_SECRET, type GqlResult, type TestHub } from '../helpers/hub.js';

const NEW_SECRET = randomBytes(32).toString('base64url');
const OTHER_SECRET = randomBytes(32).toString('base64url');
const CLAIMS = { role: 'PARTNER_ADMIN', partnerId: 'partner-rotation', sub: 'admin' };
const QUERY = '{ companies { id } }';

const codeOf = (result: GqlResult) => result.errors?.[0]?.extensions?.['code'] ?? null;

describe('JWT secret rotation', () => {
  let rotating: TestHub;
  beforeAll(async () => {
    rotating = await startTestHub({
      env: { AUTH_JWT_SECRET: NEW_SECRET, AUTH_JWT_PREVIOUS_SECRET: TEST_JWT_SECRET },
    });
  });
  afterAll(() => rotating?.stop());

  it('accepts tokens of the current and of the previous secret, and no other', async () => {
    const current = await rotating.jwt(CLAIMS, { secret: NEW_SECRET });
    const previous = await rotating.jwt(CLAIMS, { secret: TEST_JWT_SECRET });
    const other = await rotating.jwt(CLAIMS, { secret: OTHER_SECRET });
    expect(codeOf(await rotating.gql(current, QUERY))).toBeNull();
    expect(codeOf(await rotating.gql(previous, QUERY))).toBeNull();
    expect(codeOf(await rotating.gql(other, QUERY))).toBe('UNAUTHENTICATED');
  });

  it('still refuses an expired token of the previous secret as expired', async () => {
    // A number is an absolute `exp` (seconds): a minute ago.
    const exp = Math.floor(Date.now() / 1000) - 60;
    const expired = await rotating.jwt(CLAIMS, { secret: TEST_JWT_SECRET, expiresIn: exp });
    const result = await rotating.gql(expired, QUERY);
    expect([codeOf(result), result.errors?.[0]?.message]).toEqual([
      'UNAUTHENTICATED',
      'The session has expired',
    ]);
  });

  it('once the previous secret is removed, its tokens are refused', async () => {
    const done = await startTestHub({
      env: { AUTH_JWT_SECRET: NEW_SECRET },
      database: rotating.connection,
    });
    try {
      const previous = await done.jwt(CLAIMS, { secret: TEST_JWT_SECRET });
      const current = await done.jwt(CLAIMS, { secret: NEW_SECRET });
      expect(codeOf(await done.gql(previous, QUERY))).toBe('UNAUTHENTICATED');
      expect(codeOf(await done.gql(current, QUERY))).toBeNull();
    } finally {
      await done.stop();
    }
  });
});

describe('AUTH_JWT_PREVIOUS_SECRET is refused when it cannot be right', () => {
  const base = {
    MONGODB_URI: 'mongodb://127.0.0.1:1/hub',
    ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
  };
  const problems = (env: Record<string, string>) => {
    try {
      loadConfig({ ...base, ...env });
      return [];
    } catch (error) {
      if (error instanceof ConfigError) return error.problems.map((p) => p.split(':')[0]);
      throw error;
    }
  };

  it.each([
    ['beside a JWKS', { AUTH_JWKS_URL: 'https://portal.example.com/jwks.json' }],
    ['equal to the current secret', { AUTH_JWT_SECRET: NEW_SECRET, previous: NEW_SECRET }],
    [
      'a placeholder',
      { AUTH_JWT_SECRET: NEW_SECRET, previous: 'REPLACE_ME_WITH_THE_OLD_SECRET_0123456' },
    ],
    ['too short', { AUTH_JWT_SECRET: NEW_SECRET, previous: 'short-but-random-9f3' }],
  ])('%s', (_what, env) => {
    const { previous, ...rest } = { previous: OTHER_SECRET, ...env };
    expect(problems({ ...rest, AUTH_JWT_PREVIOUS_SECRET: previous })).toEqual([
      'AUTH_JWT_PREVIOUS_SECRET',
    ]);
  });

  it('is accepted beside a different current secret, and never signs', () => {
    const config = loadConfig({
      ...base,
      AUTH_JWT_SECRET: NEW_SECRET,
      AUTH_JWT_PREVIOUS_SECRET: OTHER_SECRET,
    });
    expect(config.auth).toMatchObject({
      hs256Secret: NEW_SECRET,
      hs256PreviousSecret: OTHER_SECRET,
    });
  });
});
