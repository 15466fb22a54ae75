/**
 * Configuration that cannot be half-right: `.env.example` read the way `docker compose` reads an
 * env_file, then loaded through the real `loadConfig`; placeholder and prose secrets, both JWT
 * modes at once, an unset NODE_ENV, and the production-only refusals.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig, projectRoot, secretValueProblem } from '../../src/config.js';
import { parseComposeEnvFile } from '../helpers/compose-env-file.js';

const example = parseComposeEnvFile(readFileSync(path.join(projectRoot(), '.env.example'), 'utf8'));
const key = () => `k1:${randomBytes(32).toString('base64')}`;
const secret = () => randomBytes(32).toString('base64url');

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

describe('.env.example read with compose env_file rules', () => {
  it('the parser follows the documented rules', () => {
    expect(
      parseComposeEnvFile(
        [
          '# c',
          '',
          'A=VAL # comment',
          'B=VAL# not a comment',
          'C=# kept',
          'D="x # y" # c',
          "E='$O'",
        ].join('\n'),
      ),
    ).toEqual({ A: 'VAL', B: 'VAL# not a comment', C: '# kept', D: 'x # y', E: '$O' });
  });

  it('has no comment on a value line and no interpolation in a value', () => {
    for (const [name, value] of Object.entries(example)) {
      expect([name, value.includes('#')]).toEqual([name, false]);
      expect([name, value.includes('${')]).toEqual([name, false]);
    }
  });

  it('as shipped, the hub refuses to start and names exactly what must be filled in', () => {
    const named = problemsOf(example).map((p) => p.split(':')[0]);
    expect(new Set(named)).toEqual(new Set(['ENCRYPTION_KEYS', 'AUTH_JWT_SECRET']));
  });

  it('with the key and one JWT mode filled in, it loads the documented defaults', () => {
    const config = loadConfig({ ...example, ENCRYPTION_KEYS: key(), AUTH_JWT_SECRET: secret() });
    expect(config.env).toBe('production');
    expect(config.auth.jwksUrl).toBeUndefined();
    expect(config.auth.maxLifetimeSeconds).toBe(86_400);
    expect(config.graphql).toMatchObject({
      introspection: false,
      suggestions: false,
      maxTokens: 1000,
    });
    expect(config.explorer).toBe(false);
    expect(config.metrics).toEqual({});
    const jwks = loadConfig({
      ...example,
      ENCRYPTION_KEYS: key(),
      AUTH_JWKS_URL: 'https://portal.example.com/.well-known/jwks.json',
    });
    expect(jwks.auth.hs256Secret).toBeUndefined();
  });
});

describe('secrets that are not secrets', () => {
  const base = { MONGODB_URI: 'mongodb://127.0.0.1:1/hub', ENCRYPTION_KEYS: key() };
  it.each([
    ['a comment kept as the value', '# HS256 shared secret, at least 32 characters', 'comment'],
    ['prose', 'this is the shared secret of our portal team', 'whitespace'],
    ['a placeholder', 'REPLACE_ME_WITH_A_LONG_RANDOM_SECRET_VALUE_0123', 'placeholder'],
    ['one character repeated', 'a'.repeat(40), 'distinct'],
  ])('AUTH_JWT_SECRET as %s is refused, naming the variable', (_what, value, reason) => {
    const problems = problemsOf({ ...base, AUTH_JWT_SECRET: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^AUTH_JWT_SECRET: .*${reason}`));
    expect(problems[0]).not.toContain(value);
  });

  it('refuses AUTH_JWT_SECRET and AUTH_JWKS_URL together, naming both', () => {
    const problems = problemsOf({
      ...base,
      AUTH_JWT_SECRET: secret(),
      AUTH_JWKS_URL: 'https://portal.example.com/jwks.json',
    });
    expect(problems).toEqual([expect.stringMatching(/^AUTH_JWT_SECRET: .*AUTH_JWKS_URL/)]);
  });

  it('refuses an encryption key without entropy, a placeholder metrics token, and introspection in production', () => {
    const problems = problemsOf({
      ...base,
      ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
      AUTH_JWT_SECRET: secret(),
      METRICS_BEARER_TOKEN: 'your-metrics-token-goes-here-please-0123456789',
      GRAPHQL_INTROSPECTION: 'true',
    });
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual([
      'ENCRYPTION_KEYS',
      'GRAPHQL_INTROSPECTION',
      'METRICS_BEARER_TOKEN',
    ]);
  });

  it('accepts random values', () => {
    expect(secretValueProblem(secret())).toBeNull();
    expect(secretValueProblem(randomBytes(24).toString('hex'))).toBeNull();
  });
});

describe('production-safe defaults', () => {
  const env = {
    MONGODB_URI: 'mongodb://127.0.0.1:1/hub',
    ENCRYPTION_KEYS: key(),
    AUTH_JWT_SECRET: secret(),
  };
  it('an unset NODE_ENV behaves as production', () => {
    const config = loadConfig(env);
    expect(config.env).toBe('production');
    expect([config.graphql.introspection, config.graphql.suggestions, config.explorer]).toEqual([
      false,
      false,
      false,
    ]);
  });
  it('introspection, suggestions and the explorer come with NODE_ENV=development only', () => {
    const dev = loadConfig({ ...env, NODE_ENV: 'development' });
    expect([dev.graphql.introspection, dev.graphql.suggestions, dev.explorer]).toEqual([
      true,
      true,
      true,
    ]);
    const test = loadConfig({ ...env, NODE_ENV: 'test' });
    expect([test.graphql.introspection, test.graphql.suggestions, test.explorer]).toEqual([
      false,
      false,
      false,
    ]);
  });
});
