import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ZodType } from 'zod';
import { configuredVariables } from '../../scripts/docs/configuration.js';
import { ENV_SCHEMA, PROVISION_ENV } from '../../src/config-schema.js';
import { ROOT } from './dev-stack.helpers.js';

function runMain(env: Record<string, string>) {
  return spawnSync(process.execPath, [path.join(ROOT, 'dist', 'src', 'main.js')], {
    env: { PATH: process.env['PATH'] ?? '', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
}

describe('configuration at boot', () => {
  it('the built main refuses to start and lists EVERY missing or invalid variable', () => {
    const result = runMain({
      MONGODB_URI: 'postgres://db.example/hub',
      PORT: '99999',
      LOG_LEVEL: 'chatty',
      PUBLIC_BASE_URL: 'not a url',
      SYNC_POLL_INTERVAL_MS: 'every minute',
      PUBSUB_MODE: 'redis',
      GRAPHQL_INTROSPECTION: 'maybe',
    });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trim().split('\n');
    expect(lines[0]).toBe('Invalid configuration:');
    const named = lines.slice(1).map((line) => /^ {2}- (\w+):/.exec(line)?.[1]);
    expect(new Set(named)).toEqual(
      new Set([
        'MONGODB_URI',
        'PORT',
        'LOG_LEVEL',
        'PUBLIC_BASE_URL',
        'SYNC_POLL_INTERVAL_MS',
        'PUBSUB_MODE',
        'GRAPHQL_INTROSPECTION',
        'ENCRYPTION_KEYS',
        'AUTH_JWT_SECRET',
      ]),
    );
  });

  it('reports a malformed encryption key and a short JWT secret together', () => {
    const result = runMain({
      MONGODB_URI: 'mongodb://127.0.0.1:1/hub',
      ENCRYPTION_KEYS: 'k1:dG9vLXNob3J0',
      AUTH_JWT_SECRET: 'short',
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('ENCRYPTION_KEYS: must be comma-separated kid:base64 pairs');
    expect(result.stderr).toContain('AUTH_JWT_SECRET: must be at least 32 characters');
    expect(result.stderr).not.toContain('dG9vLXNob3J0');
  });

  it('.env.example lists every variable, each value valid for its variable', () => {
    const known = configuredVariables();
    const example = readFileSync(path.join(ROOT, '.env.example'), 'utf8');
    const entries = [...example.matchAll(/^([A-Z][A-Z0-9_]+)=(.*)$/gm)].map(
      (m) => [m[1]!, m[2]!] as const,
    );
    const listed = new Set(entries.map(([name]) => name));
    expect([...known].filter((name) => !listed.has(name))).toEqual([]);
    expect([...listed].filter((name) => !known.has(name))).toEqual([]);
    const shapes: Record<string, ZodType> = { ...ENV_SCHEMA.shape, ...PROVISION_ENV };
    const invalid = entries.filter(
      ([name, value]) => value !== '' && !shapes[name]!.safeParse(value).success,
    );
    expect(invalid).toEqual([]);
  });
});
