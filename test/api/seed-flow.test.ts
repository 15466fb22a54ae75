/**
 * The seed guide's install flow, end to end, as the portal drives it: real HTTP and graphql-ws
 * against the hub, the hub's real MSAL + Graph SDK against the emulator, the real database.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SyncTrigger } from '../../src/domain/connector.js';
import { emulatorFetch, seedTestTenant, type SeededTenant } from '../helpers/emulator.js';
import { PORTAL_URL, startTestHub, type TestHub } from '../helpers/hub.js';
import {
  CONNECTOR_FIELDS,
  createCompany,
  installConnector,
  ok,
  record,
  STATUS_SUBSCRIPTION,
  type ConnectorData,
  type StatusEvent,
} from '../helpers/connector-api.js';

describe('seed flow: install -> credentials -> consent -> groups -> rules -> CONNECTED', () => {
  let h: TestHub;
  let tenant: SeededTenant;

  beforeAll(async () => {
    h = await startTestHub({
      emulator: true,
      // Test double of the sync engine (built on another branch): it loads the connector's sync
      // configuration and reports a successful run through the REAL ConnectorRegistry, which is
      // what moves WAITING_FOR_CONNECTION -> CONNECTED and publishes the status change.
      onSyncRequested: async (request, hub) => {
        const config = await hub.registry.loadSyncConfig(request.connectorId);
        if (!config) throw new Error(`connector ${request.connectorId} is not runnable`);
        await hub.registry.recordSyncOutcome(request.connectorId, { ok: true, at: new Date() });
      },
    });
    // The app is registered in the tenant (the guide's setup) but has no admin consent yet:
    // Verify Connection must send the admin to Microsoft's admin-consent page first.
    tenant = await seedTestTenant(h.emulator!, { users: 12, groups: 2, consent: false });
    const control = h.emulator!.control;
    for (let i = 1; i <= 7; i++) {
      control.createGroup(tenant.tenantId, {
        displayName: `Finance Team ${i}`,
        securityEnabled: true,
        mailEnabled: false,
      });
    }
    control.createGroup(tenant.tenantId, {
      displayName: 'Finance Newsletter',
      securityEnabled: false,
      mailEnabled: true,
      groupTypes: ['Unified'],
    });
  });
  afterAll(() => h?.stop());

  it('reaches CONNECTED and shows every step to the portal', async () => {
    const partner = await h.jwt({ role: 'PARTNER_ADMIN', partnerId: 'partner-seed' });
    const companyId = await createCompany(h, partner, 'Contoso');
    const admin = await h.jwt({ role: 'COMPANY_ADMIN', companyId });

    // 1. Install: the authentication token is returned once, only its hash is stored.
    const installed = await installConnector(h, admin, companyId);
    const id = installed.connector.id;
    expect(installed.authenticationToken).toMatch(/^ehct_[\w-]{40,}$/);
    expect(installed.connector).toMatchObject({ status: 'NOT_SAVED', verified: false, companyId });
    const stored = await h.infra.models.Connector.findById(id).lean();
    expect(JSON.stringify(stored)).not.toContain(installed.authenticationToken);
    const again = await ok<{ connector: Record<string, unknown> }>(
      h.gql(admin, `query($id:ID!){ connector(id:$id) { ${CONNECTOR_FIELDS} } }`, { id }),
    );
    expect(JSON.stringify(again)).not.toContain(installed.authenticationToken);

    // The portal watches the company's connectors from here on.
    const watcher = await record<StatusEvent>(
      h,
      h.ws(admin),
      STATUS_SUBSCRIPTION,
      { companyId },
      'connectorStatusChanged',
    );
    expect(watcher.errors).toEqual([]);

    // 2. Credentials (no expiry given: 24 months by default).
    const creds = await ok<{ setConnectorCredentials: ConnectorData }>(
      h.gql(
        admin,
        `mutation($i: SetConnectorCredentialsInput!){ setConnectorCredentials(input:$i) { ${CONNECTOR_FIELDS} } }`,
        {
          i: {
            connectorId: id,
            tenantId: tenant.tenantId.toUpperCase(),
            clientId: ` ${tenant.clientId} `,
            clientSecret: tenant.clientSecret,
          },
        },
      ),
    );
    expect(creds.setConnectorCredentials).toMatchObject({
      tenantId: tenant.tenantId,
      clientId: tenant.clientId,
      clientSecretHint: `****${tenant.clientSecret.slice(-4)}`,
      secretExpiryWarning: null,
      verified: false,
    });
    const days = creds.setConnectorCredentials.secretExpiresInDays!;
    expect(days).toBeGreaterThanOrEqual(729);
    expect(days).toBeLessThanOrEqual(731);

    // 3. Verify: no admin consent yet (a token without permissions) -> a consent URL.
    const verify = `mutation($id:ID!){ verifyConnection(connectorId:$id) {
      verified consentUrl error { code message reason } connector { verified lastError { code } } } }`;
    const first = await ok<{
      verifyConnection: {
        verified: boolean;
        consentUrl: string | null;
        error: { code: string; message: string; reason: string } | null;
      };
    }>(h.gql(admin, verify, { id }));
    expect(first.verifyConnection).toMatchObject({
      verified: false,
      error: { code: 'UPSTREAM_UNAUTHORIZED', reason: 'CONSENT_REQUIRED' },
    });
    expect(first.verifyConnection.error!.message).toMatch(/no admin consent.*Grant admin consent/);
    const consentUrl = new URL(first.verifyConnection.consentUrl!);
    expect(consentUrl.origin).toBe(new URL(h.emulator!.authorityHost).origin);
    expect(consentUrl.pathname).toBe(`/${tenant.tenantId}/v2.0/adminconsent`);
    expect(consentUrl.searchParams.get('client_id')).toBe(tenant.clientId);
    expect(consentUrl.searchParams.get('redirect_uri')).toBe(`${h.server.url}/azure/callback`);
    const state = consentUrl.searchParams.get('state')!;
    expect(state.length).toBeGreaterThan(30);

    // 4. The admin clicks Accept: the emulator redirects the browser to the hub's callback ...
    const atMicrosoft = await emulatorFetch(h.emulator!)(consentUrl, { redirect: 'manual' });
    expect(atMicrosoft.status).toBe(302);
    const callback = new URL(atMicrosoft.headers.get('location')!);
    expect(`${callback.origin}${callback.pathname}`).toBe(`${h.server.url}/azure/callback`);
    expect(callback.searchParams.get('admin_consent')).toBe('True');
    expect(callback.searchParams.get('state')).toBe(state);

    // ... which checks the state, verifies again and sends the browser back to the portal.
    const atHub = await fetch(callback, { redirect: 'manual' });
    expect(atHub.status).toBe(302);
    const portal = new URL(atHub.headers.get('location')!);
    expect(`${portal.origin}${portal.pathname}`).toBe(PORTAL_URL);
    expect(Object.fromEntries(portal.searchParams)).toEqual({
      connectorId: id,
      result: 'verified',
    });

    // The state is single use: the same callback again is refused and changes nothing.
    const replay = await fetch(callback, { redirect: 'manual' });
    const replayed = new URL(replay.headers.get('location')!);
    expect(Object.fromEntries(replayed.searchParams)).toEqual({
      result: 'error',
      reason: 'invalid_state',
    });

    // 5. Verify Connection now shows "Connection Verified".
    const second = await ok<{ verifyConnection: { verified: boolean; consentUrl: null } }>(
      h.gql(admin, verify, { id }),
    );
    expect(second.verifyConnection).toMatchObject({ verified: true, consentUrl: null });

    // 6. Users & Groups: browse security groups (search + paging) through Graph.
    const groupsQuery = `query($id:ID!, $s:String, $first:Int, $after:String) {
      entraGroups(connectorId:$id, search:$s, first:$first, after:$after) {
        edges { node { id displayName } } pageInfo { hasNextPage endCursor } } }`;
    type GroupsPage = {
      entraGroups: {
        edges: { node: { id: string; displayName: string } }[];
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
      };
    };
    const found: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const page: GroupsPage = await ok<GroupsPage>(
        h.gql(admin, groupsQuery, { id, s: 'finance', first: 3, after }),
      );
      pages++;
      found.push(...page.entraGroups.edges.map((e) => e.node.displayName));
      after = page.entraGroups.pageInfo.hasNextPage ? page.entraGroups.pageInfo.endCursor : null;
    } while (after && pages < 10);
    expect(pages).toBe(3);
    // The mail-only "Finance Newsletter" is not a security group: not offered.
    expect(found.sort()).toEqual(Array.from({ length: 7 }, (_, i) => `Finance Team ${i + 1}`));

    const all = await ok<GroupsPage>(h.gql(admin, groupsQuery, { id, first: 100 }));
    const syncGroup = all.entraGroups.edges.find((e) => e.node.id === tenant.syncGroupId);
    expect(syncGroup?.node.displayName).toBe('Password Boss Users');
    const extra = all.entraGroups.edges
      .filter((e) => e.node.displayName.startsWith('Finance Team'))
      .slice(0, 2)
      .map((e) => e.node);

    const selected = await ok<{ selectSyncGroup: ConnectorData }>(
      h.gql(
        admin,
        `mutation($id:ID!, $g:String!){ selectSyncGroup(connectorId:$id, groupId:$g) { syncGroup { id name } } }`,
        { id, g: tenant.syncGroupId },
      ),
    );
    expect(selected.selectSyncGroup.syncGroup).toEqual({
      id: tenant.syncGroupId,
      name: 'Password Boss Users',
    });
    const synced = await ok<{ setSyncedGroups: ConnectorData }>(
      h.gql(
        admin,
        `mutation($id:ID!, $g:[String!]!){ setSyncedGroups(connectorId:$id, groupIds:$g) { syncedGroups { id name } } }`,
        { id, g: extra.map((g) => g.id) },
      ),
    );
    expect(synced.setSyncedGroups.syncedGroups).toEqual(
      extra.map((g) => ({ id: g.id, name: g.displayName })),
    );

    // 7. Sync rules: only the given fields change.
    const rules = await ok<{ updateSyncRules: ConnectorData }>(
      h.gql(
        admin,
        `mutation($id:ID!){ updateSyncRules(connectorId:$id, rules:{ includeGuests: true, deleteAfterDays: 30 }) {
          syncRules { includeGuests deleteAfterDays includeNestedGroups userAdded } } }`,
        { id },
      ),
    );
    expect(rules.updateSyncRules.syncRules).toMatchObject({
      includeGuests: true,
      deleteAfterDays: 30,
    });

    // 8. Save changes: WAITING_FOR_CONNECTION, then CONNECTED after the first successful sync.
    const activated = await ok<{ activateConnector: ConnectorData }>(
      h.gql(admin, `mutation($id:ID!){ activateConnector(connectorId:$id) { status enabled } }`, {
        id,
      }),
    );
    expect(activated.activateConnector).toEqual({
      status: 'WAITING_FOR_CONNECTION',
      enabled: true,
    });
    expect(h.syncRequests.filter((r) => r.connectorId === id).map((r) => r.trigger)).toEqual([
      SyncTrigger.INITIAL,
    ]);

    const connected = await watcher.next((e) => e.status === 'CONNECTED', 'CONNECTED');
    expect(connected).toMatchObject({
      connectorId: id,
      companyId,
      previousStatus: 'WAITING_FOR_CONNECTION',
      statusReason: null,
    });
    expect(watcher.events.map((e) => e.status)).toEqual(['WAITING_FOR_CONNECTION', 'CONNECTED']);
    expect(h.syncHookErrors).toEqual([]);

    const final = await ok<{ connector: ConnectorData }>(
      h.gql(admin, `query($id:ID!){ connector(id:$id) { ${CONNECTOR_FIELDS} } }`, { id }),
    );
    expect(final.connector).toMatchObject({
      status: 'CONNECTED',
      verified: true,
      lastError: null,
      syncGroup: { id: tenant.syncGroupId },
    });
    expect(final.connector.lastSuccessfulSyncAt).not.toBeNull();

    // The partner sees it too, across companies, filtered by status.
    const list = await ok<{ connectors: { nodes: { id: string }[] } }>(
      h.gql(partner, `{ connectors(status: CONNECTED) { nodes { id } } }`),
    );
    expect(list.connectors.nodes.map((c) => c.id)).toEqual([id]);

    // The connector's own token may ask for a sync.
    const sync = await ok<{ synchronizeNow: { runId: string } }>(
      h.gql(
        `Connector ${installed.authenticationToken}`,
        `mutation($id:ID!){ synchronizeNow(connectorId:$id) { runId } }`,
        { id },
      ),
    );
    expect(sync.synchronizeNow.runId).toMatch(/^run-/);
    watcher.stop();

    // Nothing along the way leaked the secret, the token or the consent state.
    const logs = h.logLines.join('\n');
    for (const secret of [tenant.clientSecret, installed.authenticationToken, state]) {
      expect(logs).not.toContain(secret);
    }
    expect(h.responses.join('\n')).not.toContain(tenant.clientSecret);
  });
});
