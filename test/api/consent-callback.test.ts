/**
 * `GET /azure/callback`: the admin-consent state is bound to one connector (and its tenant and
 * client), short-lived and single use; the portal only ever learns a fixed vocabulary.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { hashToken } from '../../src/crypto/opaque-token.js';
import { seedTestTenant, type SeededTenant } from '../helpers/emulator.js';
import { PORTAL_URL, startTestHub, type TestHub } from '../helpers/hub.js';
import {
  completeConsent,
  followCallback,
  getConnector,
  ok,
  setCredentials,
  verifyConnection,
  installForCompanyAdmin,
} from '../helpers/connector-api.js';

describe('admin-consent callback', () => {
  let h: TestHub;
  let partner: string;

  beforeAll(async () => {
    h = await startTestHub({ emulator: true });
    partner = await h.jwt({ role: 'PARTNER_ADMIN', partnerId: 'partner-consent' });
  });
  afterAll(() => h?.stop());

  /** A connector whose app is not consented yet, and the consent URL Verify Connection gave. */
  async function pendingConsent(options: { tenant?: SeededTenant } = {}) {
    const tenant = options.tenant ?? (await seedTestTenant(h.emulator!, { consent: false }));
    const { admin, installed } = await installForCompanyAdmin(h, partner);
    const { connector } = installed;
    await ok(setCredentials(h, admin, connector.id, tenant));
    const verify = await verifyConnection(h, admin, connector.id);
    expect(verify.consentUrl).not.toBeNull();
    const consentUrl = new URL(verify.consentUrl!);
    return {
      tenant,
      admin,
      id: connector.id,
      consentUrl,
      state: consentUrl.searchParams.get('state')!,
    };
  }

  const callbackUrl = (params: Record<string, string>) => {
    const url = new URL(`${h.server.url}/azure/callback`);
    for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
    return url;
  };
  const outcome = (portal: URL) => {
    expect(`${portal.origin}${portal.pathname}`).toBe(PORTAL_URL);
    return Object.fromEntries(portal.searchParams);
  };

  it('refuses a missing, forged or replayed state and changes nothing', async () => {
    const p = await pendingConsent();
    const accepted = { admin_consent: 'True', tenant: p.tenant.tenantId };
    expect(outcome(await followCallback(callbackUrl(accepted)))).toEqual({
      result: 'error',
      reason: 'invalid_state',
    });
    const forged = `cs_${Buffer.alloc(24, 7).toString('base64url')}`;
    expect(outcome(await followCallback(callbackUrl({ ...accepted, state: forged })))).toEqual({
      result: 'error',
      reason: 'invalid_state',
    });
    expect((await getConnector(h, p.admin, p.id)).verified).toBe(false);

    // The real state works once (the admin did consent at the emulator) ...
    expect(outcome(await completeConsent(h, p.consentUrl.toString()))).toEqual({
      connectorId: p.id,
      result: 'verified',
    });
    // ... and never again.
    const replay = await followCallback(callbackUrl({ ...accepted, state: p.state }));
    expect(outcome(replay)).toEqual({ result: 'error', reason: 'invalid_state' });
  });

  it('refuses an expired state (valid for 10 minutes)', async () => {
    const p = await pendingConsent();
    h.emulator!.control.grantConsent(p.tenant.tenantId, p.tenant.clientId);
    // Age the stored state past its lifetime, as 11 minutes at the Microsoft page would.
    await h.infra.models.ConsentState.updateOne(
      { nonceHash: hashToken(p.state) },
      { $set: { expiresAt: new Date(Date.now() - 60_000) } },
    );
    const portal = await followCallback(
      callbackUrl({ admin_consent: 'True', tenant: p.tenant.tenantId, state: p.state }),
    );
    expect(outcome(portal)).toEqual({ result: 'error', reason: 'invalid_state' });
    expect((await getConnector(h, p.admin, p.id)).verified).toBe(false);
  });

  it('binds the state to the connector, its tenant and its client', async () => {
    // Another tenant in the redirect than the one the state was issued for.
    const a = await pendingConsent();
    const mismatch = await followCallback(
      callbackUrl({ admin_consent: 'True', tenant: randomUUID(), state: a.state }),
    );
    expect(outcome(mismatch)).toEqual({
      connectorId: a.id,
      result: 'error',
      reason: 'tenant_mismatch',
    });

    // Credentials changed after consent was requested: that consent was for other values.
    const b = await pendingConsent();
    const other = await seedTestTenant(h.emulator!);
    await ok(setCredentials(h, b.admin, b.id, other));
    const changed = await completeConsent(h, b.consentUrl.toString());
    expect(outcome(changed)).toEqual({
      connectorId: b.id,
      result: 'error',
      reason: 'credentials_changed',
    });
    expect((await getConnector(h, b.admin, b.id)).verified).toBe(false);

    // Uninstalled meanwhile.
    const c = await pendingConsent();
    await ok(h.gql(c.admin, `mutation($id:ID!){ uninstallConnector(connectorId:$id) { id } }`, c));
    const gone = await completeConsent(h, c.consentUrl.toString());
    expect(outcome(gone)).toEqual({
      connectorId: c.id,
      result: 'error',
      reason: 'connector_not_found',
    });
  });

  it('reports a declined consent and a consent without the needed permissions', async () => {
    const declined = await pendingConsent();
    h.emulator!.control.setConsentDecision(declined.tenant.clientId, 'deny');
    expect(outcome(await completeConsent(h, declined.consentUrl.toString()))).toEqual({
      connectorId: declined.id,
      result: 'denied',
      reason: 'access_denied',
    });

    // The app registration asks only for User.Read.All: consent succeeds, verification not.
    const partial = await pendingConsent();
    h.emulator!.control.updateApp(partial.tenant.clientId, {
      requiredPermissions: ['User.Read.All'],
    });
    expect(outcome(await completeConsent(h, partial.consentUrl.toString()))).toEqual({
      connectorId: partial.id,
      result: 'error',
      reason: 'missing_permissions',
    });
    const shown = await getConnector(h, partial.admin, partial.id);
    expect(shown.lastError?.message).toContain('missing the Group.Read.All application permission');
  });

  it('never echoes what Entra or an attacker put in the query string', async () => {
    const p = await pendingConsent();
    const portal = await followCallback(
      callbackUrl({
        state: p.state,
        error: '<script>alert(1)</script>',
        error_description: 'AADSTS65004: javascript:alert(1)',
      }),
    );
    expect(outcome(portal)).toEqual({
      connectorId: p.id,
      result: 'error',
      reason: 'consent_failed',
    });
    expect(portal.toString()).not.toContain('script');
  });
});
