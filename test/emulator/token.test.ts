import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ServerError } from '@azure/msal-node';
import { decodeJwt } from 'jose';
import {
  createMsalApp,
  emulatorFetch,
  GRAPH_SCOPE,
  seedTestTenant,
  startTestEmulator,
  type RunningEmulator,
  type SeededTenant,
} from '../helpers/emulator.js';

/** graph-facts §1: the client-credentials token endpoint and its errors. */
describe('identity platform: client-credentials token endpoint', () => {
  let emulator: RunningEmulator;
  let tenant: SeededTenant;

  beforeAll(async () => {
    emulator = await startTestEmulator();
    tenant = await seedTestTenant(emulator, { users: 3, groups: 1 });
  });
  afterAll(() => emulator.stop());

  const tokenUrl = (tenantSegment: string) =>
    `${emulator.authorityHost}/${tenantSegment}/oauth2/v2.0/token`;
  /** The client-credentials form of the seeded tenant; `undefined` leaves a field out. */
  const grant = (overrides: Record<string, string | undefined> = {}) => {
    const values: Record<string, string | undefined> = {
      client_id: tenant.clientId,
      client_secret: tenant.clientSecret,
      grant_type: 'client_credentials',
      scope: GRAPH_SCOPE,
      ...overrides,
    };
    const present = Object.entries(values).filter((e): e is [string, string] => e[1] !== undefined);
    return new URLSearchParams(present).toString();
  };
  const post = (tenantSegment: string, body: string, headers: Record<string, string> = {}) =>
    emulatorFetch(emulator)(tokenUrl(tenantSegment), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body,
    });

  it('issues a bearer token through the real MSAL ConfidentialClientApplication', async () => {
    const result = await createMsalApp(emulator, tenant).acquireTokenByClientCredential({
      scopes: [GRAPH_SCOPE],
    });
    expect(result?.tokenType).toBe('Bearer');
    const claims = decodeJwt(result!.accessToken);
    expect(claims).toMatchObject({
      aud: 'https://graph.microsoft.com',
      tid: tenant.tenantId,
      appid: tenant.clientId,
      idtyp: 'app',
      roles: ['Group.Read.All', 'User.Read.All'],
    });
  });

  it('answers 200 with token_type, expires_in 3599, ext_expires_in and no-store caching, no refresh token', async () => {
    const response = await post(tenant.tenantId, grant());
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store, no-cache');
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599 });
    expect(typeof body['access_token']).toBe('string');
    expect(body).not.toHaveProperty('refresh_token');
  });

  it('accepts HTTP Basic client authentication and ignores unknown fields (MSAL telemetry)', async () => {
    const basic = Buffer.from(
      `${encodeURIComponent(tenant.clientId)}:${encodeURIComponent(tenant.clientSecret)}`,
    ).toString('base64');
    const response = await post(
      tenant.tenantId,
      grant({
        client_id: undefined,
        client_secret: undefined,
        'x-client-SKU': 'msal.js.node',
        'client-request-id': 'abc',
        foo: 'bar',
      }),
      { authorization: `Basic ${basic}` },
    );
    expect(response.status).toBe(200);
  });

  it('accepts the tenant by its domain name', async () => {
    const response = await post(tenant.defaultDomain, grant());
    expect(response.status).toBe(200);
  });

  interface AadError {
    error: string;
    error_description: string;
    error_codes: number[];
    timestamp: string;
    trace_id: string;
    correlation_id: string;
  }

  async function expectAadError(
    response: Response | Awaited<ReturnType<typeof post>>,
    status: number,
    error: string,
    code: number,
  ) {
    expect(response.status).toBe(status);
    expect(response.headers.get('cache-control')).toBe('no-store, no-cache');
    const body = (await response.json()) as AadError;
    expect(body.error).toBe(error);
    expect(body.error_codes).toEqual([code]);
    expect(body.error_description.startsWith(`AADSTS${code}: `)).toBe(true);
    expect(body.timestamp).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}Z$/);
    expect(body.trace_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.correlation_id).toMatch(/^[0-9a-f-]{36}$/);
    return body;
  }

  const msalError = async (credentials: {
    tenantId: string;
    clientId: string;
    clientSecret: string;
  }) => {
    const app = createMsalApp(emulator, credentials);
    try {
      await app.acquireTokenByClientCredential({ scopes: [GRAPH_SCOPE] });
    } catch (error) {
      return error as ServerError;
    }
    throw new Error('MSAL did not fail');
  };

  it('wrong secret: 401 invalid_client AADSTS7000215, surfaced by MSAL as ServerError', async () => {
    const wrong = { ...tenant, clientSecret: 'not-the-secret' };
    await expectAadError(
      await post(
        tenant.tenantId,
        grant({ client_id: wrong.clientId, client_secret: wrong.clientSecret }),
      ),
      401,
      'invalid_client',
      7000215,
    );
    const error = await msalError(wrong);
    expect(error).toBeInstanceOf(ServerError);
    expect(error.errorCode).toBe('invalid_client');
    expect(error.errorNo).toBe(7000215);
    expect(error.errorMessage).toContain('AADSTS7000215: ');
  });

  it('expired secret: 401 invalid_client AADSTS7000222', async () => {
    const secret = emulator.control.addSecret(tenant.clientId, { expiresInSeconds: 60 });
    const credentials = { ...tenant, clientSecret: secret.secretText };
    const body = grant({ client_secret: secret.secretText });
    expect((await post(tenant.tenantId, body)).status).toBe(200);
    emulator.control.expireSecret(tenant.clientId, secret.keyId);
    await expectAadError(await post(tenant.tenantId, body), 401, 'invalid_client', 7000222);
    const error = await msalError(credentials);
    expect(error.errorCode).toBe('invalid_client');
    expect(error.errorNo).toBe(7000222);
  });

  it('a secret expires by itself when the emulator clock passes its end date', async () => {
    const other = await startTestEmulator();
    try {
      const seeded = await seedTestTenant(other, { users: 1, groups: 0 });
      const secret = other.control.addSecret(seeded.clientId, { expiresInSeconds: 3600 });
      const body = grant({ client_id: seeded.clientId, client_secret: secret.secretText });
      const send = () =>
        emulatorFetch(other)(`${other.authorityHost}/${seeded.tenantId}/oauth2/v2.0/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body,
        });
      expect((await send()).status).toBe(200);
      other.control.advanceClock(3601_000);
      expect((await send()).status).toBe(401);
    } finally {
      await other.stop();
    }
  });

  it('tokenLifetimeSeconds: a short lifetime makes MSAL ask again on every call', async () => {
    const other = await startTestEmulator({ tokenLifetimeSeconds: 60 });
    try {
      const seeded = await seedTestTenant(other, { users: 1, groups: 0 });
      const msal = createMsalApp(other, seeded);
      const first = await msal.acquireTokenByClientCredential({ scopes: [GRAPH_SCOPE] });
      const claims = decodeJwt(first!.accessToken);
      expect(claims.exp! - claims.iat!).toBe(60);
      // MSAL renews five minutes before expiry: a 60 s token is never served from its cache.
      await msal.acquireTokenByClientCredential({ scopes: [GRAPH_SCOPE] });
      expect(other.control.counters().tokensIssued).toBe(2);
      // And the expired-secret error reaches the very next call.
      other.control.expireSecret(seeded.clientId, seeded.secretKeyId);
      const error = await msal.acquireTokenByClientCredential({ scopes: [GRAPH_SCOPE] }).then(
        () => null,
        (e: unknown) => e as ServerError,
      );
      expect(error?.errorNo).toBe(7000222);
    } finally {
      await other.stop();
    }
  });

  it('no secret: 401 invalid_client AADSTS7000218', async () => {
    await expectAadError(
      await post(tenant.tenantId, grant({ client_secret: undefined })),
      401,
      'invalid_client',
      7000218,
    );
  });

  it('unknown tenant: 400 invalid_request AADSTS90002 (also through MSAL)', async () => {
    const unknown = '11111111-2222-3333-4444-555555555555';
    await expectAadError(await post(unknown, grant()), 400, 'invalid_request', 90002);
    const error = await msalError({ ...tenant, tenantId: unknown });
    expect(error.errorCode).toBe('invalid_request');
    expect(error.errorNo).toBe(90002);
  });

  it('app not present in the tenant (multi-tenant, never installed): 400 unauthorized_client AADSTS700016', async () => {
    const unconsented = await seedTestTenant(emulator, {
      users: 1,
      groups: 0,
      consent: false,
      appModel: 'multi-tenant',
    });
    const error = await msalError(unconsented);
    expect(error.errorCode).toBe('unauthorized_client');
    expect(error.errorNo).toBe(700016);
    await expectAadError(
      await post(
        tenant.tenantId,
        grant({ client_id: '99999999-2222-3333-4444-555555555555', client_secret: 'x' }),
      ),
      400,
      'unauthorized_client',
      700016,
    );
  });

  it('consented without application permissions: a token without roles', async () => {
    const bare = await seedTestTenant(emulator, { users: 1, groups: 0, permissions: [] });
    const result = await createMsalApp(emulator, bare).acquireTokenByClientCredential({
      scopes: [GRAPH_SCOPE],
    });
    expect(decodeJwt(result!.accessToken)).not.toHaveProperty('roles');
  });

  it('echoes the client-request-id MSAL sends as correlation_id', async () => {
    const correlation = '0f6a2a5e-1d0c-4b7b-9a35-5bcd0d3cc111';
    const body = await expectAadError(
      await post(tenant.tenantId, grant({ client_secret: undefined }), {
        'client-request-id': correlation,
      }),
      401,
      'invalid_client',
      7000218,
    );
    expect(body.correlation_id).toBe(correlation);
  });

  it('rejects missing parameters and non-.default scopes with their AADSTS codes', async () => {
    await expectAadError(
      await post(tenant.tenantId, grant({ client_secret: undefined, grant_type: undefined })),
      400,
      'invalid_request',
      900144,
    );
    await expectAadError(
      await post(tenant.tenantId, grant({ scope: 'https://graph.microsoft.com/User.Read.All' })),
      400,
      'invalid_scope',
      1002012,
    );
    await expectAadError(
      await post(tenant.tenantId, grant({ grant_type: 'password' })),
      400,
      'unsupported_grant_type',
      70003,
    );
  });
});
