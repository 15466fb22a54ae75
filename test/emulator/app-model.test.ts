/**
 * The app registration models, as contract tests (graph-facts §7). Sources:
 * - https://learn.microsoft.com/en-us/entra/identity-platform/app-objects-and-service-principals
 *   (registering an app in a tenant creates its service principal there; a multi-tenant app
 *   gets one in another tenant when an admin consents there);
 * - https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes
 *   (AADSTS7000215 invalid secret, 7000222 expired secret, 700016 app not found in the
 *   directory, 7000112 application disabled);
 * - https://learn.microsoft.com/en-us/graph/permissions-overview (app-only access needs
 *   application permissions granted by admin consent; they arrive as the token's `roles`);
 * - https://learn.microsoft.com/en-us/troubleshoot/entra/entra-id/app-integration/error-code-aadsts7000112-application-is-disabled
 *   (the service principal is disabled in the tenant).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ServerError } from '@azure/msal-node';
import { decodeJwt } from 'jose';
import {
  acquireGraphToken,
  createMsalApp,
  emulatorFetch,
  GRAPH_SCOPE,
  seedTestTenant,
  startTestEmulator,
  type RunningEmulator,
  type TenantCredentials,
} from '../helpers/emulator.js';

describe('identity platform: single-tenant (default) and multi-tenant app models', () => {
  let emulator: RunningEmulator;

  beforeAll(async () => {
    emulator = await startTestEmulator();
  });
  afterAll(() => emulator.stop());

  /** The AADSTS number MSAL reports, or `ok` with the token's roles. */
  async function tokenOutcome(credentials: TenantCredentials) {
    try {
      const result = await createMsalApp(emulator, credentials).acquireTokenByClientCredential({
        scopes: [GRAPH_SCOPE],
      });
      const roles = decodeJwt(result!.accessToken)['roles'];
      return { ok: true as const, roles: Array.isArray(roles) ? roles : [] };
    } catch (error) {
      expect(error).toBeInstanceOf(ServerError);
      return { ok: false as const, errorNo: (error as ServerError).errorNo };
    }
  }

  async function graphStatus(credentials: TenantCredentials, path = '/users') {
    const token = await acquireGraphToken(emulator, credentials);
    const response = await emulatorFetch(emulator)(`${emulator.graphBaseUrl}/v1.0${path}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const body = (await response.json()) as { error?: { code: string; message: string } };
    return { status: response.status, code: body.error?.code ?? null };
  }

  it('single-tenant, before admin consent: a token without roles, and Graph answers 403 Authorization_RequestDenied', async () => {
    const tenant = await seedTestTenant(emulator, { users: 2, groups: 0, consent: false });
    expect(emulator.control.getApp(tenant.clientId).homeTenantId).toBe(tenant.tenantId);
    expect(emulator.control.listConsents(tenant.tenantId)).toEqual([
      expect.objectContaining({ clientId: tenant.clientId, roles: [], grantedAt: null }),
    ]);
    expect(await tokenOutcome(tenant)).toEqual({ ok: true, roles: [] });
    expect(await graphStatus(tenant)).toEqual({ status: 403, code: 'Authorization_RequestDenied' });
  });

  it('a wrong secret is AADSTS7000215 whatever the consent state; an expired one AADSTS7000222', async () => {
    const tenant = await seedTestTenant(emulator, { users: 1, groups: 0, consent: false });
    const wrong = { ...tenant, clientSecret: 'Wrong~SecretValue1234567890abcdefghijklmn' };
    const expired = emulator.control.addSecret(tenant.clientId);
    emulator.control.expireSecret(tenant.clientId, expired.keyId);
    const old = { ...tenant, clientSecret: expired.secretText };
    expect(await tokenOutcome(wrong)).toEqual({ ok: false, errorNo: 7000215 });
    expect(await tokenOutcome(old)).toEqual({ ok: false, errorNo: 7000222 });
    emulator.control.grantConsent(tenant.tenantId, tenant.clientId);
    expect(await tokenOutcome(wrong)).toEqual({ ok: false, errorNo: 7000215 });
    expect(await tokenOutcome(old)).toEqual({ ok: false, errorNo: 7000222 });
    emulator.control.revokeConsent(tenant.tenantId, tenant.clientId);
    expect(await tokenOutcome(wrong)).toEqual({ ok: false, errorNo: 7000215 });
  });

  it('consent grants application permissions: the next token carries roles; revoking takes them away again', async () => {
    const tenant = await seedTestTenant(emulator, { users: 1, groups: 0, consent: false });
    emulator.control.grantConsent(tenant.tenantId, tenant.clientId);
    expect(await tokenOutcome(tenant)).toEqual({
      ok: true,
      roles: ['Group.Read.All', 'User.Read.All'],
    });
    expect((await graphStatus(tenant)).status).toBe(200);
    emulator.control.revokeConsent(tenant.tenantId, tenant.clientId);
    expect(await tokenOutcome(tenant)).toEqual({ ok: true, roles: [] });
    expect(await graphStatus(tenant, '/groups')).toEqual({
      status: 403,
      code: 'Authorization_RequestDenied',
    });
  });

  it('a disabled enterprise application is AADSTS7000112 (a wrong secret still reads AADSTS7000215)', async () => {
    const tenant = await seedTestTenant(emulator, { users: 1, groups: 0 });
    emulator.control.setServicePrincipalEnabled(tenant.tenantId, tenant.clientId, false);
    expect(await tokenOutcome(tenant)).toEqual({ ok: false, errorNo: 7000112 });
    expect(await tokenOutcome({ ...tenant, clientSecret: 'Wrong~1234567890' })).toEqual({
      ok: false,
      errorNo: 7000215,
    });
    emulator.control.setServicePrincipalEnabled(tenant.tenantId, tenant.clientId, true);
    expect((await tokenOutcome(tenant)).ok).toBe(true);
  });

  it('the admin-consent page installs nothing of a single-tenant app in another tenant (AADSTS700016 page)', async () => {
    const home = await seedTestTenant(emulator, { users: 1, groups: 0, consent: false });
    const other = emulator.control.createTenant();
    const url = new URL(`${emulator.authorityHost}/${other.id}/v2.0/adminconsent`);
    url.searchParams.set('client_id', home.clientId);
    url.searchParams.set('redirect_uri', 'https://hub.example/azure/callback');
    url.searchParams.set('state', 'st');
    const response = await emulatorFetch(emulator)(url, { redirect: 'manual' });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error_description: string }).error_description).toMatch(
      /^AADSTS700016: /,
    );
    expect(emulator.control.listConsents(other.id)).toEqual([]);
  });

  it('multi-tenant (control API): AADSTS700016 until an admin installs it by consenting, whatever the secret', async () => {
    const tenant = await seedTestTenant(emulator, {
      users: 1,
      groups: 0,
      consent: false,
      appModel: 'multi-tenant',
    });
    expect(emulator.control.getApp(tenant.clientId).homeTenantId).toBeNull();
    expect(emulator.control.listConsents(tenant.tenantId)).toEqual([]);
    expect(await tokenOutcome(tenant)).toEqual({ ok: false, errorNo: 700016 });
    expect(await tokenOutcome({ ...tenant, clientSecret: 'Wrong~1234567890' })).toEqual({
      ok: false,
      errorNo: 700016,
    });
    emulator.control.grantConsent(tenant.tenantId, tenant.clientId);
    expect((await tokenOutcome(tenant)).ok).toBe(true);
    // Deleting the enterprise application takes the app out of the tenant again.
    emulator.control.deleteServicePrincipal(tenant.tenantId, tenant.clientId);
    expect(await tokenOutcome(tenant)).toEqual({ ok: false, errorNo: 700016 });
  });

  it('the control API registers apps in a tenant and edits their service principals over HTTP', async () => {
    const fetch = emulatorFetch(emulator);
    const control = `${emulator.url}/_emulator`;
    const send = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${control}${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return { status: response.status, body: text ? (JSON.parse(text) as unknown) : null };
    };
    const tenantId = emulator.control.createTenant().id;
    const app = await send('POST', `/tenants/${tenantId}/apps`, { displayName: 'Single' });
    expect(app).toMatchObject({ status: 201, body: { homeTenantId: tenantId } });
    const clientId = (app.body as { clientId: string }).clientId;
    expect((await send('GET', `/tenants/${tenantId}/consents`)).body).toMatchObject({
      value: [{ clientId, roles: [], accountEnabled: true, grantedAt: null }],
    });
    expect(
      await send('PATCH', `/tenants/${tenantId}/service-principals/${clientId}`, {
        accountEnabled: false,
      }),
    ).toMatchObject({ status: 200, body: { accountEnabled: false } });
    expect(
      (
        await send('PATCH', `/tenants/${tenantId}/service-principals/${clientId}`, {
          accountEnabled: 'no',
        })
      ).status,
    ).toBe(400);
    expect(
      (await send('DELETE', `/tenants/${tenantId}/service-principals/${clientId}`)).status,
    ).toBe(204);
    expect(
      (await send('DELETE', `/tenants/${tenantId}/service-principals/${clientId}`)).status,
    ).toBe(404);
    expect((await send('POST', '/apps', { homeTenantId: tenantId })).body).toMatchObject({
      homeTenantId: tenantId,
    });
  });
});
