/**
 * Portal JWTs: verified with the HS256 shared secret or with the portal's JWKS (served here by a
 * local HTTP server), over HTTP and on the WebSocket connection_init alike.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { listen } from '../../src/server/http-app.js';
import { startTestHub, TEST_JWT_SECRET, type TestHub } from '../helpers/hub.js';
import {
  failure,
  ok,
  record,
  STATUS_SUBSCRIPTION,
  type StatusEvent,
} from '../helpers/connector-api.js';

const CLAIMS = { role: 'PARTNER_ADMIN', partnerId: 'partner-jwks' };

async function sign(
  h: TestHub,
  key: CryptoKey | Uint8Array,
  header: { alg: string; kid?: string },
  claims: Record<string, unknown> = CLAIMS,
): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader(header)
    .setSubject('portal-user')
    .setIssuer(h.config.auth.issuer)
    .setAudience(h.config.auth.audience)
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(key);
}

describe('JWT verification with a JWKS URL', () => {
  let h: TestHub;
  let jwks: Server;
  let jwksRequests = 0;
  let privateKey: CryptoKey;
  let otherKey: CryptoKey;

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256');
    privateKey = pair.privateKey;
    otherKey = (await generateKeyPair('RS256')).privateKey;
    const publicJwk: JWK = {
      ...(await exportJWK(pair.publicKey)),
      kid: 'portal-1',
      alg: 'RS256',
      use: 'sig',
    };
    jwks = createServer((req, res) => {
      jwksRequests++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [publicJwk] }));
    });
    const port = await listen(jwks, '127.0.0.1', 0);
    h = await startTestHub({
      env: { AUTH_JWT_SECRET: '', AUTH_JWKS_URL: `http://127.0.0.1:${port}/.well-known/jwks.json` },
    });
  });
  afterAll(async () => {
    await h?.stop();
    await new Promise((resolve) => jwks?.close(resolve));
  });

  it('accepts tokens signed by a key of the JWKS, refuses others', async () => {
    expect(h.config.auth.hs256Secret).toBeUndefined();
    const good = await sign(h, privateKey, { alg: 'RS256', kid: 'portal-1' });
    expect(
      (await ok<{ companies: unknown[] }>(h.gql(good, '{ companies { id } }'))).companies,
    ).toEqual([]);
    expect(jwksRequests).toBeGreaterThan(0);

    const wrongKey = await sign(h, otherKey, { alg: 'RS256', kid: 'portal-1' });
    const hs256 = await sign(h, new TextEncoder().encode(TEST_JWT_SECRET), { alg: 'HS256' });
    const unknownKid = await sign(h, privateKey, { alg: 'RS256', kid: 'portal-2' });
    for (const token of [wrongKey, hs256, unknownKid]) {
      expect((await failure(h.gql(token, '{ companies { id } }'))).code).toBe('UNAUTHENTICATED');
    }
  });

  it('uses the JWKS on the WebSocket connection_init too', async () => {
    const good = await sign(h, privateKey, { alg: 'RS256', kid: 'portal-1' });
    const watcher = await record<StatusEvent>(
      h,
      h.ws(good),
      STATUS_SUBSCRIPTION,
      {},
      'connectorStatusChanged',
    );
    expect(watcher.errors).toEqual([]);
    expect(watcher.completed).toBe(false);
    watcher.stop();

    const hs256 = await sign(h, new TextEncoder().encode(TEST_JWT_SECRET), { alg: 'HS256' });
    const refused = await record<StatusEvent>(
      h,
      h.ws(hs256),
      STATUS_SUBSCRIPTION,
      {},
      'connectorStatusChanged',
    );
    expect(refused.errors.length).toBeGreaterThan(0);
    expect((refused.errors[0] as { code?: number }).code).toBe(4403);
  });
});

describe('JWT verification with the HS256 secret', () => {
  let h: TestHub;
  beforeAll(async () => {
    h = await startTestHub();
  });
  afterAll(() => h?.stop());

  it('refuses unsigned and asymmetric tokens even with valid claims', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const rs256 = await sign(h, privateKey, { alg: 'RS256', kid: 'x' });
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const payload = Buffer.from(
      JSON.stringify({
        ...CLAIMS,
        sub: 'u',
        iss: h.config.auth.issuer,
        aud: h.config.auth.audience,
        iat: now,
        exp: now + 300,
      }),
    ).toString('base64url');
    for (const token of [rs256, `${header}.${payload}.`]) {
      expect((await failure(h.gql(token, '{ companies { id } }'))).code).toBe('UNAUTHENTICATED');
    }
    const good = await sign(h, new TextEncoder().encode(TEST_JWT_SECRET), { alg: 'HS256' });
    await ok(h.gql(good, '{ companies { id } }'));
  });
});
