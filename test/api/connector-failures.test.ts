/**
 * The seed guide's troubleshooting, as statuses the portal shows: each failure Entra or Graph can
 * produce, with the Entra reason and what to do, over real HTTP/WebSocket against the emulator.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { syncFailureOutcome, syncGroupDeletedOutcome } from '../../src/connectors/sync-failure.js';
import type { SyncOutcome } from '../../src/domain/connector.js';
import { ErrorCode } from '../../src/domain/errors.js';
import { toGraphAppError } from '../../src/integrations/entra/graph-errors.js';
import { seedTestTenant, type SeededTenant } from '../helpers/emulator.js';
import { startTestHub, type TestHub } from '../helpers/hub.js';
import { waitFor } from '../helpers/wait.js';
import {
  completeConsent,
  failure,
  getConnector,
  ok,
  record,
  setCredentials,
  STATUS_SUBSCRIPTION,
  verifyConnection,
  type StatusEvent,
  installForCompanyAdmin,
} from '../helpers/connector-api.js';

describe('connector failures: statuses with the Entra reason and what to do', () => {
  let h: TestHub;
  let partner: string;

  beforeAll(async () => {
    h = await startTestHub({
      emulator: true,
      // Test double of the sync engine (another branch): one real Graph read of the sync group
      // with the connector's stored credentials, its outcome reported through the REAL
      // ConnectorRegistry using the lifecycle side's failure mapping (src/connectors/sync-failure).
      onSyncRequested: async (request, hub) => {
        const config = await hub.registry.loadSyncConfig(request.connectorId);
        if (!config) return;
        const at = new Date();
        let outcome: SyncOutcome | null = { ok: true, at };
        try {
          await hub.entra
            .graphClient(config)
            .api(`/groups/${config.syncGroupId}/members`)
            .select('id')
            .top(1)
            .get();
        } catch (error) {
          const appError = toGraphAppError(error, 'read the sync group members');
          outcome =
            appError.code === ErrorCode.NOT_FOUND
              ? syncGroupDeletedOutcome({ id: config.syncGroupId }, at)
              : syncFailureOutcome(appError, at);
        }
        if (outcome) await hub.registry.recordSyncOutcome(request.connectorId, outcome);
      },
    });
    partner = await h.jwt({ role: 'PARTNER_ADMIN', partnerId: 'partner-failures' });
  });
  afterAll(() => h?.stop());

  /** A company admin's connector with the tenant's credentials entered. */
  async function connectorFor(tenant: SeededTenant, secret = tenant.clientSecret) {
    const { companyId, admin, installed } = await installForCompanyAdmin(h, partner);
    const { connector } = installed;
    await ok(
      setCredentials(h, admin, connector.id, {
        tenantId: tenant.tenantId,
        clientId: tenant.clientId,
        clientSecret: secret,
      }),
    );
    return { id: connector.id, companyId, admin };
  }

  /** Verified, sync group selected, saved, first sync done: CONNECTED. */
  async function connectedConnector(tenant: SeededTenant) {
    const c = await connectorFor(tenant);
    expect((await verifyConnection(h, c.admin, c.id)).verified).toBe(true);
    await ok(
      h.gql(
        c.admin,
        `mutation($id:ID!,$g:String!){ selectSyncGroup(connectorId:$id, groupId:$g) { id } }`,
        { id: c.id, g: tenant.syncGroupId },
      ),
    );
    const watcher = await record<StatusEvent>(
      h,
      h.ws(c.admin),
      STATUS_SUBSCRIPTION,
      { connectorId: c.id },
      'connectorStatusChanged',
    );
    await ok(h.gql(c.admin, `mutation($id:ID!){ activateConnector(connectorId:$id) { id } }`, c));
    await watcher.next((e) => e.status === 'CONNECTED', 'CONNECTED');
    return { ...c, watcher };
  }

  const synchronizeNow = (jwt: string, id: string) =>
    ok(h.gql(jwt, `mutation($id:ID!){ synchronizeNow(connectorId:$id) { runId } }`, { id }));

  it('wrong secret: UNAUTHORIZED with AADSTS7000215 and the fix, then recovers', async () => {
    const tenant = await seedTestTenant(h.emulator!);
    const c = await connectedConnector(tenant);

    // A wrong secret entered on a live connector: syncing stops until it is verified.
    const changed = await ok(
      setCredentials(h, c.admin, c.id, {
        tenantId: tenant.tenantId,
        clientId: tenant.clientId,
        clientSecret: 'Wrong~SecretValue1234567890abcdefghijklmn',
      }),
    );
    expect(changed.setConnectorCredentials).toMatchObject({
      status: 'UNAUTHORIZED',
      statusReasonCode: 'INVALID_SECRET',
      verified: false,
      clientSecretHint: '****klmn',
    });
    const verify = await verifyConnection(h, c.admin, c.id);
    expect(verify).toMatchObject({
      verified: false,
      consentUrl: null,
      error: { code: 'UPSTREAM_UNAUTHORIZED', reason: 'INVALID_SECRET', missingPermissions: [] },
      connector: { status: 'UNAUTHORIZED', statusReasonCode: 'INVALID_SECRET', verified: false },
    });
    expect(verify.error!.message).toContain('AADSTS7000215');
    expect(verify.error!.message).toMatch(/secret Value \(not the Secret ID\)/);
    expect(verify.connector.statusReason).toBe(verify.error!.message);
    const seen = await c.watcher.next(
      (e) => e.status === 'UNAUTHORIZED' && (e.statusReason ?? '').includes('AADSTS7000215'),
      'UNAUTHORIZED with the Entra reason',
    );
    expect(seen).toMatchObject({ connectorId: c.id, statusReasonCode: 'INVALID_SECRET' });

    // The right secret again: verified as it is saved (no Verify Connection click), a sync
    // starts at once, then CONNECTED.
    const fixed = (await ok(setCredentials(h, c.admin, c.id, tenant))).setConnectorCredentials;
    expect(fixed).toMatchObject({ verified: true });
    expect(['WAITING_FOR_CONNECTION', 'CONNECTED']).toContain(fixed.status);
    await waitForStatus(c.admin, c.id, 'CONNECTED');
    c.watcher.stop();
  });

  it('expired secret: AADSTS7000222, create a new secret', async () => {
    const tenant = await seedTestTenant(h.emulator!);
    const secret = h.emulator!.control.addSecret(tenant.clientId);
    h.emulator!.control.expireSecret(tenant.clientId, secret.keyId);
    const c = await connectorFor(tenant, secret.secretText);
    const verify = await verifyConnection(h, c.admin, c.id);
    expect(verify).toMatchObject({
      verified: false,
      consentUrl: null,
      error: { code: 'UPSTREAM_UNAUTHORIZED', reason: 'EXPIRED_SECRET' },
      connector: { status: 'NOT_SAVED', lastError: { code: 'UPSTREAM_UNAUTHORIZED' } },
    });
    expect(verify.error!.message).toMatch(/expired \(AADSTS7000222\).*new client secret/);
  });

  /**
   * The five Verify Connection answers with the app registered in the customer's tenant (the
   * seed guide's setup, the emulator's default): what the admin did, what Entra answers, what
   * Verify says. Sources: reference-error-codes (AADSTS7000215, 7000222) and graph-facts §7.
   */
  it.each([
    {
      case: 'wrong secret before consent',
      consented: false,
      secret: 'wrong' as const,
      reason: 'INVALID_SECRET',
      consentUrl: false,
      message: /AADSTS7000215.*secret Value/,
    },
    {
      case: 'right secret before consent',
      consented: false,
      secret: 'right' as const,
      reason: 'CONSENT_REQUIRED',
      consentUrl: true,
      message: /no admin consent in this tenant/,
    },
    {
      case: 'wrong secret after consent',
      consented: true,
      secret: 'wrong' as const,
      reason: 'INVALID_SECRET',
      consentUrl: false,
      message: /AADSTS7000215/,
    },
    {
      case: 'expired secret (expiry date entered)',
      consented: true,
      secret: 'expired' as const,
      reason: 'EXPIRED_SECRET',
      consentUrl: false,
      message: /expired on \d{4}-\d{2}-\d{2} \(AADSTS7000222\)/,
    },
    {
      case: 'revoked consent',
      consented: 'revoked' as const,
      secret: 'right' as const,
      reason: 'CONSENT_REQUIRED',
      consentUrl: true,
      message: /never granted, or it was revoked/,
    },
  ])('Verify answers: $case -> $reason', async (row) => {
    const tenant = await seedTestTenant(h.emulator!, { consent: row.consented !== false });
    if (row.consented === 'revoked') {
      h.emulator!.control.revokeConsent(tenant.tenantId, tenant.clientId);
    }
    let secret = tenant.clientSecret;
    if (row.secret === 'wrong') secret = 'Wrong~SecretValue1234567890abcdefghijklmn';
    const c = await connectorFor(tenant, secret);
    if (row.secret === 'expired') {
      // The admin entered the secret with its expiry date; the date has passed since.
      const created = h.emulator!.control.addSecret(tenant.clientId, { expiresInSeconds: 2 });
      const expiresAt = new Date(Date.parse(created.expiresAt));
      await ok(
        setCredentials(
          h,
          c.admin,
          c.id,
          { ...tenant, clientSecret: created.secretText },
          {
            clientSecretExpiresAt: expiresAt.toISOString(),
          },
        ),
      );
      await new Promise((resolve) => setTimeout(resolve, expiresAt.getTime() - Date.now() + 50));
    }
    const verify = await verifyConnection(h, c.admin, c.id);
    expect({
      case: row.case,
      ...verify.error,
      consentUrl: verify.consentUrl !== null,
    }).toMatchObject({
      case: row.case,
      code: 'UPSTREAM_UNAUTHORIZED',
      reason: row.reason,
      consentUrl: row.consentUrl,
    });
    expect(verify.verified).toBe(false);
    expect(verify.error!.message).toMatch(row.message);
  });

  it('past the secret expiry date entered, the next sync is UNAUTHORIZED "expired on <date>" without waiting for the cached token', async () => {
    const tenant = await seedTestTenant(h.emulator!);
    const c = await connectedConnector(tenant);
    // A secret that expires in 3 s, entered with its date; syncs get (and cache) a token for it.
    const secret = h.emulator!.control.addSecret(tenant.clientId, { expiresInSeconds: 3 });
    const expiresAt = new Date(Date.parse(secret.expiresAt));
    await ok(
      setCredentials(
        h,
        c.admin,
        c.id,
        { ...tenant, clientSecret: secret.secretText },
        {
          clientSecretExpiresAt: expiresAt.toISOString(),
        },
      ),
    );
    await waitForStatus(c.admin, c.id, 'CONNECTED');
    await synchronizeNow(c.admin, c.id);
    const from = c.watcher.events.length;
    await new Promise((resolve) => setTimeout(resolve, expiresAt.getTime() - Date.now() + 50));
    // The token MSAL cached a moment ago is valid for an hour; the hub asks Entra again anyway.
    await synchronizeNow(c.admin, c.id);
    const seen = await waitFor(
      () => c.watcher.events.slice(from).find((e) => e.status === 'UNAUTHORIZED'),
      10_000,
      'UNAUTHORIZED after the expiry date',
    );
    expect(seen.statusReasonCode).toBe('EXPIRED_SECRET');
    expect(seen.statusReason).toBe(
      `The client secret expired on ${expiresAt.toISOString().slice(0, 10)} (AADSTS7000222). Create a new client secret in the app registration and enter its Value here.`,
    );
    c.watcher.stop();
  });

  it('unknown tenant: AADSTS90002, check the Directory (tenant) ID', async () => {
    const tenant = await seedTestTenant(h.emulator!);
    const c = await connectorFor({ ...tenant, tenantId: randomUUID() });
    const verify = await verifyConnection(h, c.admin, c.id);
    expect(verify).toMatchObject({
      verified: false,
      consentUrl: null,
      error: { code: 'UPSTREAM_UNAUTHORIZED', reason: 'UNKNOWN_TENANT' },
    });
    expect(verify.error!.message).toMatch(/AADSTS90002.*Directory \(tenant\) ID/);
  });

  it('consent revoked: UNAUTHORIZED on the next sync, re-consent recovers', async () => {
    const tenant = await seedTestTenant(h.emulator!);
    const c = await connectedConnector(tenant);
    h.emulator!.control.revokeConsent(tenant.tenantId, tenant.clientId);

    await synchronizeNow(c.admin, c.id);
    const unauthorized = await c.watcher.next((e) => e.status === 'UNAUTHORIZED', 'UNAUTHORIZED');
    expect(unauthorized.statusReason).toMatch(/consent.*revoked.*Verify Connection/);

    // "Edit the connector ... click Verify Connection": the consent URL, then verified again.
    const verify = await verifyConnection(h, c.admin, c.id);
    expect(verify).toMatchObject({
      verified: false,
      error: { reason: 'CONSENT_REQUIRED' },
      connector: { status: 'UNAUTHORIZED', statusReasonCode: 'CONSENT_REQUIRED' },
    });
    expect(verify.consentUrl).not.toBeNull();
    const portal = await completeConsent(h, verify.consentUrl!);
    expect(portal.searchParams.get('result')).toBe('verified');
    await waitForStatus(c.admin, c.id, 'CONNECTED');
    c.watcher.stop();
  });

  it('the group picker meets a refusal: the same error as a sync, and the status says so', async () => {
    const tenant = await seedTestTenant(h.emulator!);
    const c = await connectedConnector(tenant);
    const from = c.watcher.events.length;
    // The secret is replaced in Entra and the old one deleted: Entra refuses it from now on.
    h.emulator!.control.removeSecret(tenant.clientId, tenant.secretKeyId);
    // As when the token MSAL cached runs out (an hour at most): the next call asks Entra.
    h.infra.entra.tokens.forget(tenant);
    const picked = await failure(
      h.gql(
        c.admin,
        `query($id:ID!){ entraGroups(connectorId:$id, search:"Password") { edges { node { id } } } }`,
        { id: c.id },
      ),
    );
    expect(picked).toMatchObject({
      code: 'UPSTREAM_UNAUTHORIZED',
      extensions: { reason: 'INVALID_SECRET', entraCode: 'AADSTS7000215' },
    });
    const seen = await waitFor(
      () => c.watcher.events.slice(from).find((e) => e.status === 'UNAUTHORIZED'),
      10_000,
      'UNAUTHORIZED from the picker',
    );
    expect(seen.statusReason).toBe(picked.message);
    // A sync meets the same refusal and records the same reason.
    const syncAt = new Date();
    await synchronizeNow(c.admin, c.id);
    const recorded = await waitFor(async () => {
      const doc = await h.infra.models.Connector.findById(c.id).lean();
      return doc?.lastOutcomeAt && doc.lastOutcomeAt >= syncAt ? doc : null;
    });
    expect(recorded).toMatchObject({ status: 'UNAUTHORIZED', statusReason: picked.message });
    c.watcher.stop();
  });

  it('missing permissions: the message names the permission, consent is offered', async () => {
    const onlyUsers = await seedTestTenant(h.emulator!, { permissions: ['User.Read.All'] });
    const c1 = await connectorFor(onlyUsers);
    const v1 = await verifyConnection(h, c1.admin, c1.id);
    expect(v1).toMatchObject({
      verified: false,
      error: {
        code: 'UPSTREAM_UNAUTHORIZED',
        reason: 'MISSING_PERMISSIONS',
        missingPermissions: ['Group.Read.All'],
      },
    });
    expect(v1.error!.message).toContain('missing the Group.Read.All application permission');
    expect(v1.error!.message).not.toContain('User.Read.All');
    expect(v1.consentUrl).toContain('/adminconsent?');

    const onlyGroups = await seedTestTenant(h.emulator!, { permissions: ['Group.Read.All'] });
    const c2 = await connectorFor(onlyGroups);
    const v2 = await verifyConnection(h, c2.admin, c2.id);
    expect(v2.error).toMatchObject({ missingPermissions: ['User.Read.All'] });
    expect(v2.error!.message).toContain('missing the User.Read.All application permission');

    const none = await seedTestTenant(h.emulator!, { permissions: [] });
    const c3 = await connectorFor(none);
    const v3 = await verifyConnection(h, c3.admin, c3.id);
    expect(v3.error).toMatchObject({
      reason: 'CONSENT_REQUIRED',
      missingPermissions: ['User.Read.All', 'Group.Read.All'],
    });
    expect(v3.error!.message).toMatch(/no admin consent.*User\.Read\.All and Group\.Read\.All/);
    expect(v3.consentUrl).toContain('/adminconsent?');
  });

  it('permission removed from a live connector: UNAUTHORIZED, Verify names it', async () => {
    const tenant = await seedTestTenant(h.emulator!);
    const c = await connectedConnector(tenant);
    h.emulator!.control.setGrantedPermissions(tenant.tenantId, tenant.clientId, ['User.Read.All']);
    await synchronizeNow(c.admin, c.id);
    const seen = await c.watcher.next((e) => e.status === 'UNAUTHORIZED', 'UNAUTHORIZED');
    expect(seen.statusReason).toMatch(/Group\.Read\.All/);
    expect(seen.statusReasonCode).toBe('MISSING_PERMISSIONS');
    const verify = await verifyConnection(h, c.admin, c.id);
    expect(verify.connector).toMatchObject({ status: 'UNAUTHORIZED' });
    expect(verify.connector.statusReason).toContain('missing the Group.Read.All');
    c.watcher.stop();
  });

  it('sync group deleted: ERROR saying so; choosing another group and saving recovers', async () => {
    const tenant = await seedTestTenant(h.emulator!, { groups: 2 });
    const c = await connectedConnector(tenant);
    h.emulator!.control.deleteGroup(tenant.tenantId, tenant.syncGroupId);

    await synchronizeNow(c.admin, c.id);
    const error = await c.watcher.next((e) => e.status === 'ERROR', 'ERROR');
    expect(error.statusReason).toContain(`The sync group ${tenant.syncGroupId} no longer exists`);
    expect(error.statusReason).toMatch(/select another group/);
    expect(error.statusReasonCode).toBe('SYNC_GROUP_NOT_FOUND');
    const shown = await getConnector(h, c.admin, c.id);
    expect(shown).toMatchObject({ status: 'ERROR', lastError: { code: 'NOT_FOUND' } });

    // Verify Connection: the credentials are fine, the status keeps saying what to fix, by name.
    const verify = await verifyConnection(h, c.admin, c.id);
    expect(verify).toMatchObject({
      verified: true,
      connector: { status: 'ERROR', statusReasonCode: 'SYNC_GROUP_NOT_FOUND' },
    });
    expect(verify.connector.statusReason).toContain(
      `The sync group "Password Boss Users" (${tenant.syncGroupId}) no longer exists`,
    );

    // The deleted group cannot be selected again; another one can, and Save changes resyncs.
    const stale = await failure(
      h.gql(
        c.admin,
        `mutation($id:ID!,$g:String!){ selectSyncGroup(connectorId:$id, groupId:$g) { id } }`,
        {
          id: c.id,
          g: tenant.syncGroupId,
        },
      ),
    );
    expect(stale).toMatchObject({ code: 'NOT_FOUND', extensions: { field: 'groupId' } });
    expect(stale.message).toMatch(/^groupId: group .* not found in the tenant$/);
    await ok(
      h.gql(
        c.admin,
        `mutation($id:ID!,$g:String!){ selectSyncGroup(connectorId:$id, groupId:$g) { id } }`,
        {
          id: c.id,
          g: tenant.groupIds[0],
        },
      ),
    );
    const saved = await ok<{ activateConnector: { status: string } }>(
      h.gql(c.admin, `mutation($id:ID!){ activateConnector(connectorId:$id) { status } }`, c),
    );
    expect(saved.activateConnector.status).toBe('WAITING_FOR_CONNECTION');
    await waitForStatus(c.admin, c.id, 'CONNECTED');
    c.watcher.stop();
  });

  it('secretExpiresInDays warns under 30 days; a past expiry date is refused', async () => {
    const tenant = await seedTestTenant(h.emulator!);
    const c = await connectorFor(tenant);
    const in10Days = new Date(Date.now() + 10 * 86_400_000 + 60_000).toISOString();
    const soon = await ok(
      setCredentials(h, c.admin, c.id, tenant, { clientSecretExpiresAt: in10Days }),
    );
    expect(soon.setConnectorCredentials).toMatchObject({ secretExpiresInDays: 10 });
    expect(soon.setConnectorCredentials.secretExpiryWarning).toMatch(
      /expires in 10 days: create a new secret/,
    );
    const in45Days = new Date(Date.now() + 45 * 86_400_000).toISOString();
    const later = await ok(
      setCredentials(h, c.admin, c.id, tenant, { clientSecretExpiresAt: in45Days }),
    );
    expect(later.setConnectorCredentials).toMatchObject({ secretExpiryWarning: null });

    const past = await failure(
      setCredentials(h, c.admin, c.id, tenant, { clientSecretExpiresAt: '2020-01-01T00:00:00Z' }),
    );
    expect(past).toMatchObject({
      code: 'BAD_USER_INPUT',
      message: 'clientSecretExpiresAt: must be in the future',
      extensions: { field: 'clientSecretExpiresAt' },
    });
  });

  async function waitForStatus(jwt: string, id: string, status: string) {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const current = await getConnector(h, jwt, id);
      if (current.status === status) return current;
      if (Date.now() > deadline) throw new Error(`status ${current.status}, expected ${status}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
});
