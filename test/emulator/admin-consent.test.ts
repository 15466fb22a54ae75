import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { decodeJwt } from 'jose';
import {
  acquireGraphToken,
  emulatorFetch,
  startTestEmulator,
  type RunningEmulator,
} from '../helpers/emulator.js';

/** graph-facts §2: admin consent, driven without a browser. */
describe('identity platform: admin consent', () => {
  let emulator: RunningEmulator;
  let tenantId: string;
  let domain: string;
  let clientId: string;
  let clientSecret: string;
  const redirectUri = 'https://hub.example/connectors/consent/callback';

  beforeAll(async () => {
    emulator = await startTestEmulator();
    const tenant = emulator.control.createTenant({
      defaultDomain: 'fabrikam-consent.onmicrosoft.com',
    });
    tenantId = tenant.id;
    domain = tenant.defaultDomain;
    // Registered in another tenant (multi-tenant): not in this one until an admin consents.
    const app = emulator.control.createApp({
      requiredPermissions: ['User.Read.All', 'Group.Read.All'],
    });
    clientId = app.clientId;
    clientSecret = emulator.control.addSecret(clientId).secretText;
  });
  afterAll(() => emulator.stop());

  async function consent(tenantSegment: string, state = 'st-123') {
    const url = new URL(`${emulator.authorityHost}/${tenantSegment}/v2.0/adminconsent`);
    url.searchParams.set('client_id', clientId);
    url.searchParams.set('scope', 'https://graph.microsoft.com/.default');
    url.searchParams.set('redirect_uri', redirectUri);
    url.searchParams.set('state', state);
    const response = await emulatorFetch(emulator)(url, { redirect: 'manual' });
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(redirectUri);
    return location.searchParams;
  }

  it('deny: redirects with error=access_denied, error_description and the state; grants nothing', async () => {
    emulator.control.setConsentDecision(clientId, 'deny');
    const params = await consent(tenantId, 'deny-state');
    expect(params.get('error')).toBe('access_denied');
    expect(params.get('error_description')).toMatch(/^AADSTS\d+: /);
    expect(params.get('state')).toBe('deny-state');
    expect(params.has('admin_consent')).toBe(false);
    expect(emulator.control.listConsents(tenantId)).toEqual([]);
  });

  it('consent_required: redirects with error=consent_required and the state', async () => {
    emulator.control.setConsentDecision(clientId, 'consent_required');
    const params = await consent(tenantId, 'cr-state');
    expect(params.get('error')).toBe('consent_required');
    expect(params.get('error_description')).toBeTruthy();
    expect(params.get('state')).toBe('cr-state');
  });

  it('before consent a multi-tenant app gets AADSTS700016; accept installs it and redirects with admin_consent=True&tenant&scope&state', async () => {
    await expect(
      acquireGraphToken(emulator, { tenantId, clientId, clientSecret }),
    ).rejects.toMatchObject({
      errorCode: 'unauthorized_client',
    });
    emulator.control.setConsentDecision(clientId, 'accept');
    const params = await consent(domain, 'ok-state');
    expect(params.get('admin_consent')).toBe('True');
    expect(params.get('tenant')).toBe(tenantId);
    expect(params.get('state')).toBe('ok-state');
    expect(params.get('scope')?.split(' ').sort()).toEqual([
      'https://graph.microsoft.com/Group.Read.All',
      'https://graph.microsoft.com/User.Read.All',
    ]);
    const token = await acquireGraphToken(emulator, { tenantId, clientId, clientSecret });
    expect(decodeJwt(token)['roles']).toEqual(['Group.Read.All', 'User.Read.All']);
  });

  it('the organizations endpoint consents in the tenant the control API names', async () => {
    const other = emulator.control.createTenant();
    emulator.control.setConsentDecision(clientId, 'accept', other.id);
    const params = await consent('organizations', 'org-state');
    expect(params.get('admin_consent')).toBe('True');
    expect(params.get('tenant')).toBe(other.id);
  });

  it('an unknown client id shows an error page instead of redirecting', async () => {
    const url = `${emulator.authorityHost}/${tenantId}/v2.0/adminconsent?client_id=00000000-0000-0000-0000-00000000abcd&redirect_uri=${encodeURIComponent(redirectUri)}&state=x`;
    const response = await emulatorFetch(emulator)(url, { redirect: 'manual' });
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
  });
});
