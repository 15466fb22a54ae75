import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { GraphError } from '@microsoft/microsoft-graph-client';
import { SignJWT, decodeJwt, generateKeyPair } from 'jose';
import {
  acquireGraphToken,
  createGraphClient,
  emulatorFetch,
  seedTestTenant,
  startTestEmulator,
  type RunningEmulator,
  type SeededTenant,
  graphErrorOf,
} from '../helpers/emulator.js';

/** graph-facts §1: Graph validates the tokens the identity platform issued. */
describe('Graph: token validation and permissions', () => {
  let emulator: RunningEmulator;
  let tenant: SeededTenant;

  beforeAll(async () => {
    emulator = await startTestEmulator();
    tenant = await seedTestTenant(emulator, { users: 5, groups: 1 });
  });
  afterAll(() => emulator.stop());

  const get = (path: string, token?: string) =>
    emulatorFetch(emulator)(`${emulator.graphBaseUrl}/v1.0${path}`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });

  async function expectGraphError(
    response: Awaited<ReturnType<typeof get>>,
    status: number,
    code: string,
  ) {
    expect(response.status).toBe(status);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe(code);
    return body.error;
  }

  it('401 InvalidAuthenticationToken without a token', async () => {
    const error = await expectGraphError(await get('/users'), 401, 'InvalidAuthenticationToken');
    expect(error.message).toBe('Access token is empty.');
  });

  it('accepts tokens for Graph by URI or by app id (00000003-...) as audience', async () => {
    const fetch = emulatorFetch(emulator);
    const tokenUrl = `${emulator.authorityHost}/${tenant.tenantId}/oauth2/v2.0/token`;
    const body = new URLSearchParams({
      client_id: tenant.clientId,
      client_secret: tenant.clientSecret,
      grant_type: 'client_credentials',
      scope: '00000003-0000-0000-c000-000000000000/.default',
    });
    const issued = (await (await fetch(tokenUrl, { method: 'POST', body })).json()) as {
      access_token: string;
    };
    expect(decodeJwt(issued.access_token).aud).toBe('00000003-0000-0000-c000-000000000000');
    expect((await get('/users', issued.access_token)).status).toBe(200);
  });

  it('401 for a token signed by another key', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT({
      tid: tenant.tenantId,
      appid: tenant.clientId,
      roles: ['User.Read.All'],
    })
      .setProtectedHeader({ alg: 'RS256' })
      .setAudience('https://graph.microsoft.com')
      .setIssuer(`https://sts.windows.net/${tenant.tenantId}/`)
      .setExpirationTime('1h')
      .sign(privateKey);
    await expectGraphError(await get('/users', forged), 401, 'InvalidAuthenticationToken');
  });

  it('401 once the token expires (emulator clock)', async () => {
    const other = await startTestEmulator();
    try {
      const seeded = await seedTestTenant(other, { users: 1, groups: 0 });
      const token = await acquireGraphToken(other, seeded);
      const fetchOther = (t: string) =>
        emulatorFetch(other)(`${other.graphBaseUrl}/v1.0/users`, {
          headers: { authorization: `Bearer ${t}` },
        });
      expect((await fetchOther(token)).status).toBe(200);
      other.control.advanceClock(3600_000);
      const response = await fetchOther(token);
      expect(response.status).toBe(401);
      expect(((await response.json()) as { error: { message: string } }).error.message).toContain(
        'expired',
      );
    } finally {
      await other.stop();
    }
  });

  it('a token of tenant A reads only tenant A', async () => {
    const other = await seedTestTenant(emulator, { users: 2, groups: 0 });
    const token = await acquireGraphToken(emulator, tenant);
    const response = await get(`/users/${other.userIds[0]}`, token);
    expect(response.status).toBe(404);
  });

  it('consented without permissions: 403 Authorization_RequestDenied through the Graph SDK', async () => {
    const bare = await seedTestTenant(emulator, { users: 1, groups: 0, permissions: [] });
    const error = await graphErrorOf(createGraphClient(emulator, bare).api('/users').get());
    expect(error).toBeInstanceOf(GraphError);
    expect(error.statusCode).toBe(403);
    expect(error.code).toBe('Authorization_RequestDenied');
    expect(error.message).toBe('Insufficient privileges to complete the operation.');
  });

  it('User.Read.All without Group.Read.All reads users but not groups', async () => {
    const usersOnly = await seedTestTenant(emulator, {
      users: 1,
      groups: 1,
      permissions: ['User.Read.All'],
    });
    const graph = createGraphClient(emulator, usersOnly);
    await expect(graph.api('/users').get()).resolves.toBeDefined();
    const error = await graphErrorOf(graph.api('/groups').get());
    expect(error.statusCode).toBe(403);
  });

  it('removing permissions, consent or the service principal applies at once to issued tokens', async () => {
    const seeded = await seedTestTenant(emulator, { users: 1, groups: 0 });
    const token = await acquireGraphToken(emulator, seeded);
    expect((await get('/users', token)).status).toBe(200);
    emulator.control.setGrantedPermissions(seeded.tenantId, seeded.clientId, []);
    await expectGraphError(await get('/users', token), 403, 'Authorization_RequestDenied');
    emulator.control.grantConsent(seeded.tenantId, seeded.clientId);
    expect((await get('/users', token)).status).toBe(200);
    // Revoked consent: the service principal stays, its permissions go.
    emulator.control.revokeConsent(seeded.tenantId, seeded.clientId);
    await expectGraphError(await get('/users', token), 403, 'Authorization_RequestDenied');
    emulator.control.grantConsent(seeded.tenantId, seeded.clientId);
    emulator.control.setServicePrincipalEnabled(seeded.tenantId, seeded.clientId, false);
    await expectGraphError(await get('/users', token), 401, 'InvalidAuthenticationToken');
    emulator.control.setServicePrincipalEnabled(seeded.tenantId, seeded.clientId, true);
    expect((await get('/users', token)).status).toBe(200);
    emulator.control.deleteServicePrincipal(seeded.tenantId, seeded.clientId);
    await expectGraphError(await get('/users', token), 401, 'InvalidAuthenticationToken');
  });

  it('the Graph SDK sends the token only to hosts in customHosts (so links must stay on the emulator host)', async () => {
    const withoutCustomHosts = createGraphClient(emulator, tenant, {
      customHosts: new Set(['example.org']),
    });
    const error = await graphErrorOf(withoutCustomHosts.api('/users').get());
    expect(error.statusCode).toBe(401);
    expect(error.message).toBe('Access token is empty.');
  });

  it('the Graph SDK RetryHandler retries 503 and 504 with Retry-After', async () => {
    const graph = createGraphClient(emulator, tenant);
    for (const status of [503, 504] as const) {
      emulator.control.setFaults(tenant.tenantId, {
        serverErrorBurst: 1,
        serverErrorStatus: status,
        retryAfterSeconds: 0,
      });
      await expect(graph.api('/users').top(1).get()).resolves.toMatchObject({
        value: [expect.anything()],
      });
    }
    emulator.control.clearFaults(tenant.tenantId);
  });

  it('answers unknown segments with 400 BadRequest in Graph shape', async () => {
    const token = await acquireGraphToken(emulator, tenant);
    const error = await expectGraphError(await get('/nothing-here', token), 400, 'BadRequest');
    expect(error.message).toContain("Resource not found for the segment 'nothing-here'");
  });
});
