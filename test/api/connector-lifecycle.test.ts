/**
 * The rest of the lifecycle: enable/disable, uninstall (users released, slot freed, token dead),
 * the ConnectorRegistry contract the sync engine relies on, and races the database settles.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  ConnectorStatus,
  ConnectorStatusReasonCode,
  SyncTrigger,
} from '../../src/domain/connector.js';
import { ErrorCode } from '../../src/domain/errors.js';
import { seedTestTenant, type SeededTenant } from '../helpers/emulator.js';
import { startTestHub, type TestHub } from '../helpers/hub.js';
import {
  createCompany,
  failure,
  followCallback,
  getConnector,
  installConnector,
  ok,
  setCredentials,
  verifyConnection,
  installForCompanyAdmin,
} from '../helpers/connector-api.js';

describe('connector lifecycle', () => {
  let h: TestHub;
  let tenant: SeededTenant;
  let partner: string;

  beforeAll(async () => {
    h = await startTestHub({ emulator: true });
    tenant = await seedTestTenant(h.emulator!);
    partner = await h.jwt({ role: 'PARTNER_ADMIN', partnerId: 'partner-lifecycle' });
  });
  afterAll(() => h?.stop());

  /** Installed, credentials verified, sync group selected and saved (WAITING_FOR_CONNECTION). */
  async function savedConnector() {
    const { id, companyId, admin, installed } = await installForCompanyAdmin(h, partner);
    await ok(setCredentials(h, admin, id, tenant));
    expect((await verifyConnection(h, admin, id)).verified).toBe(true);
    await ok(
      h.gql(
        admin,
        'mutation($id:ID!,$g:String!){ selectSyncGroup(connectorId:$id, groupId:$g) { id } activateConnector(connectorId:$id) { id } }',
        { id, g: tenant.syncGroupId },
      ),
    );
    return { id, companyId, admin, token: installed.authenticationToken };
  }
  const mutate = <T = Record<string, unknown>>(
    jwt: string,
    field: string,
    id: string,
    extra = '',
  ) =>
    h.gql<T>(jwt, `mutation($id:ID!){ ${field}(connectorId:$id${extra}) { status enabled } }`, {
      id,
    });

  it('gives the sync engine what it needs, and only for active connectors', async () => {
    const c = await savedConnector();
    const config = await h.infra.registry.loadSyncConfig(c.id);
    expect(config).toMatchObject({
      connectorId: c.id,
      companyId: c.companyId,
      partnerId: 'partner-lifecycle',
      tenantId: tenant.tenantId,
      clientId: tenant.clientId,
      clientSecret: tenant.clientSecret,
      syncGroupId: tenant.syncGroupId,
      syncedGroupIds: [],
      seatLimit: null,
    });
    expect(await h.infra.registry.listActiveConnectorIds()).toContain(c.id);

    // A late outcome older than the newest recorded one is ignored.
    const now = Date.now();
    await h.infra.registry.recordSyncOutcome(c.id, { ok: true, at: new Date(now) });
    await h.infra.registry.recordSyncOutcome(c.id, {
      ok: false,
      at: new Date(now - 5_000),
      code: ErrorCode.UPSTREAM_UNAUTHORIZED,
      reasonCode: ConnectorStatusReasonCode.INVALID_SECRET,
      message: 'stale',
      status: ConnectorStatus.UNAUTHORIZED,
    });
    expect(await getConnector(h, c.admin, c.id)).toMatchObject({ status: 'CONNECTED' });

    // Disabled: not runnable, outcomes ignored, synchronizeNow refused.
    expect(
      (await ok(mutate(c.admin, 'setConnectorEnabled', c.id, ', enabled:false')))[
        'setConnectorEnabled'
      ],
    ).toEqual({
      status: 'DISABLED',
      enabled: false,
    });
    expect(await h.infra.registry.loadSyncConfig(c.id)).toBeNull();
    expect(await h.infra.registry.listActiveConnectorIds()).not.toContain(c.id);
    await h.infra.registry.recordSyncOutcome(c.id, { ok: true, at: new Date() });
    expect((await getConnector(h, c.admin, c.id)).status).toBe('DISABLED');
    const sync = await failure(
      h.gql(
        `Connector ${c.token}`,
        'mutation($id:ID!){ synchronizeNow(connectorId:$id) { runId } }',
        c,
      ),
    );
    // Disabling revokes the connector's own token until it is enabled again.
    expect(sync).toMatchObject({ code: 'UNAUTHENTICATED' });

    // Enabled again: waiting, and a sync is requested at once.
    const before = h.syncRequests.length;
    expect(
      (await ok(mutate(c.admin, 'setConnectorEnabled', c.id, ', enabled:true')))[
        'setConnectorEnabled'
      ],
    ).toEqual({
      status: 'WAITING_FOR_CONNECTION',
      enabled: true,
    });
    expect(h.syncRequests.slice(before)).toEqual([
      expect.objectContaining({ connectorId: c.id, trigger: SyncTrigger.MANUAL }),
    ]);
    expect(await h.infra.registry.loadSyncConfig('not-an-id')).toBeNull();
  });

  it('uninstall: stops syncing, releases users, kills the token, frees the slot', async () => {
    const c = await savedConnector();
    const removed = await ok<{ uninstallConnector: { status: string; enabled: boolean } }>(
      mutate<{ uninstallConnector: { status: string; enabled: boolean } }>(
        c.admin,
        'uninstallConnector',
        c.id,
      ),
    );
    expect(removed.uninstallConnector).toEqual({ status: 'UNINSTALLED', enabled: false });
    expect(h.releasedConnectors).toContain(c.id);
    const stored = await h.infra.models.Connector.findById(c.id).lean();
    expect(stored).toMatchObject({ clientSecret: null, enabled: false });
    expect(stored?.uninstalledAt).toBeInstanceOf(Date);
    expect(await h.infra.registry.loadSyncConfig(c.id)).toBeNull();
    expect(
      (await failure(h.gql(c.admin, 'query($id:ID!){ connector(id:$id) { id } }', c))).code,
    ).toBe('NOT_FOUND');
    expect(
      (
        await failure(
          h.gql(`Connector ${c.token}`, 'query($id:ID!){ connector(id:$id) { id } }', c),
        )
      ).code,
    ).toBe('UNAUTHENTICATED');
    expect((await failure(mutate(c.admin, 'uninstallConnector', c.id))).code).toBe('NOT_FOUND');

    const again = await installConnector(h, c.admin, c.companyId);
    expect(again.connector.id).not.toBe(c.id);
    const list = await ok<{ connectors: { nodes: { id: string }[] } }>(
      h.gql(c.admin, '{ connectors { nodes { id } } }'),
    );
    expect(list.connectors.nodes.map((x) => x.id)).toEqual([again.connector.id]);
  });

  it('two installs at once: exactly one wins, the other is CONFLICT', async () => {
    const companyId = await createCompany(h, partner, 'Race Co');
    const results = await Promise.all(
      Array.from({ length: 4 }, () =>
        h.gql(
          partner,
          'mutation($c:ID!){ installConnector(input:{companyId:$c, name:"Azure AD"}) { connector { id } } }',
          {
            c: companyId,
          },
        ),
      ),
    );
    expect(results.filter((r) => !r.errors).length).toBe(1);
    expect(results.filter((r) => r.errors?.[0]?.extensions?.['code'] === 'CONFLICT').length).toBe(
      3,
    );
  });

  it('one consent state, two callbacks at once: one verifies, the other is refused', async () => {
    const unconsented = await seedTestTenant(h.emulator!, { consent: false });
    const { admin, installed } = await installForCompanyAdmin(h, partner, 'Consent race');
    const { connector } = installed;
    await ok(setCredentials(h, admin, connector.id, unconsented));
    const { consentUrl } = await verifyConnection(h, admin, connector.id);
    h.emulator!.control.grantConsent(unconsented.tenantId, unconsented.clientId);
    const state = new URL(consentUrl!).searchParams.get('state')!;
    const callback = new URL(`${h.server.url}/azure/callback`);
    callback.searchParams.set('admin_consent', 'True');
    callback.searchParams.set('tenant', unconsented.tenantId);
    callback.searchParams.set('state', state);
    const outcomes = await Promise.all([followCallback(callback), followCallback(callback)]);
    expect(outcomes.map((u) => u.searchParams.get('result')).sort()).toEqual(['error', 'verified']);
  });
});
