/**
 * `node dist/src/main.js` as deployed: one process wires the API, the sync engine, the webhook
 * receiver, the subscription manager, Agenda's jobs and the event bus. Driven like the portal and
 * Graph would drive it: GraphQL over HTTP, real subscriptions and deliveries from the emulator,
 * and checked where the product shows it: the directory users in the database.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  seedTestTenant,
  startTestEmulator,
  type RunningEmulator,
  type SeededTenant,
} from '../helpers/emulator.js';
import { dropHubDatabase, startHubProcess, type HubProcess } from '../helpers/hub-process.js';
import { waitFor } from '../helpers/wait.js';
import { activateConnector } from '../helpers/connector-flow.js';
import { gql } from '../helpers/graphql.js';
import { FINISHED, type HubData, openHubData } from '../helpers/hub-data.js';
import { partnerJwt } from '../helpers/jwt.js';

const errorsIn = (hub: HubProcess) => hub.records().filter((r) => Number(r['level']) >= 50);

/** A user of the tenant who is not in the sync group yet. */
function outsider(emulator: RunningEmulator, tenant: SeededTenant, taken: Set<string>): string {
  const members = emulator.control.getGroup(tenant.tenantId, tenant.syncGroupId).memberIds;
  const id = tenant.userIds.find((u) => !members.includes(u) && !taken.has(u))!;
  taken.add(id);
  return id;
}

describe('the hub process (node dist/src/main.js)', () => {
  let emulator: RunningEmulator;
  const envs: Record<string, string>[] = [];

  beforeAll(async () => {
    emulator = await startTestEmulator();
  });
  afterAll(async () => {
    for (const env of envs) await dropHubDatabase(env);
    await emulator?.stop();
  });

  describe('with PUBLIC_BASE_URL (webhooks)', () => {
    let hub: HubProcess;
    let db: HubData;
    let tenant: SeededTenant;
    let connectorId: string;
    let extraGroup: string;
    const taken = new Set<string>();

    beforeAll(async () => {
      tenant = await seedTestTenant(emulator, { users: 12, groups: 1, syncGroupMembers: 3 });
      // The poll must not be what applies the change: once an hour here.
      hub = await startHubProcess({ emulator, env: { SYNC_POLL_INTERVAL_MS: '3600000' } });
      envs.push(hub.env);
      db = await openHubData(hub.env['MONGODB_URI']!);
    });
    afterAll(async () => {
      await hub?.kill();
      await db?.close();
    });

    it('subscribes and runs the first sync when a connector is activated', async () => {
      const started = await hub.waitForLog((r) =>
        String(r['msg']).startsWith('hub runtime started'),
      );
      expect(started).toMatchObject({ realtime: 'WEBHOOKS', pubsub: 'mongo' });
      const jwt = await partnerJwt();
      extraGroup = emulator.control.createGroup(tenant.tenantId, {
        displayName: 'Finance',
        securityEnabled: true,
        mailEnabled: false,
      }).id;
      ({ connectorId } = await activateConnector(hub.url, jwt, tenant, {
        syncedGroupIds: [extraGroup],
      }));
      const members = emulator.control.getGroup(tenant.tenantId, tenant.syncGroupId).memberIds;
      await waitFor(
        async () => (await db.directoryEntraIds(connectorId)).length === members.length,
        20_000,
        'the sync group members in the directory',
      );
      expect((await db.directoryEntraIds(connectorId)).sort()).toEqual([...members].sort());
      const resources = await waitFor(
        () => {
          const list = emulator.control.listSubscriptions(tenant.tenantId).map((s) => s.resource);
          return list.length === 3 ? list.sort() : null;
        },
        15_000,
        'three subscriptions at the emulator',
      );
      expect(resources).toEqual(
        ['/users', `/groups/${tenant.syncGroupId}`, `/groups/${extraGroup}`].sort(),
      );
      const { connector } = await waitFor(
        () =>
          gql<{ connector: { status: string; webhooksEnabled: boolean } }>(
            hub.url,
            jwt,
            'query($id:ID!){ connector(id:$id) { status webhooksEnabled } }',
            { id: connectorId },
          ).then((d) => (d.connector.status === 'CONNECTED' ? d : null)),
        15_000,
        'CONNECTED',
      );
      expect(connector.webhooksEnabled).toBe(true);
    });

    it('adds a user added to the sync group in Entra, through a notification, untouched', async () => {
      const user = outsider(emulator, tenant, taken);
      // A run still queued from the activation would take the change in (its trigger stays).
      const settled = await waitFor(
        async () => {
          const runs = await db.runs(connectorId);
          return runs.every((r) => FINISHED.includes(r.status)) ? runs : null;
        },
        30_000,
        'the activation runs to finish',
      );
      const before = settled.length;
      expect(emulator.control.addMembers(tenant.tenantId, tenant.syncGroupId, [user])).toBe(1);
      await waitFor(
        async () => (await db.directoryEntraIds(connectorId)).includes(user),
        15_000,
        'the new member in the directory',
      );
      const runs = (await db.runs(connectorId)).slice(before);
      expect(runs.map((r) => r.trigger)).toContain('WEBHOOK');
      expect(runs.map((r) => r.trigger)).not.toContain('POLL');
      expect(runs.map((r) => r.trigger)).not.toContain('MANUAL');
      expect(errorsIn(hub)).toEqual([]);
    });

    it('deletes the subscriptions at Graph when the connector is disabled, and back', async () => {
      const jwt = await partnerJwt();
      await gql(
        hub.url,
        jwt,
        'mutation($id:ID!){ setConnectorEnabled(connectorId:$id, enabled:false) { id } }',
        { id: connectorId },
      );
      await waitFor(
        () => emulator.control.listSubscriptions(tenant.tenantId).length === 0,
        15_000,
        'the subscriptions to be deleted at the emulator',
      );
      await gql(
        hub.url,
        jwt,
        'mutation($id:ID!){ setConnectorEnabled(connectorId:$id, enabled:true) { id } }',
        { id: connectorId },
      );
      await waitFor(
        () => emulator.control.listSubscriptions(tenant.tenantId).length === 3,
        15_000,
        'the subscriptions to be recreated on re-enable',
      );
    });

    it('stops gracefully on SIGTERM', async () => {
      const exit = await hub.stop();
      expect(exit).toEqual({ code: 0, signal: null });
      expect(hub.records().some((r) => r['msg'] === 'stopped')).toBe(true);
      expect(errorsIn(hub)).toEqual([]);
      expect(hub.stderr()).toBe('');
    });
  });

  describe('without PUBLIC_BASE_URL (polling only)', () => {
    let hub: HubProcess;
    let db: HubData;

    beforeAll(async () => {
      hub = await startHubProcess({
        emulator,
        webhooks: false,
        env: { SYNC_POLL_INTERVAL_MS: '2000' },
      });
      envs.push(hub.env);
      db = await openHubData(hub.env['MONGODB_URI']!);
    });
    afterAll(async () => {
      await hub?.kill();
      await db?.close();
    });

    it('says so, subscribes to nothing, and still adds a new member through the poll', async () => {
      const tenant = await seedTestTenant(emulator, { users: 6, groups: 1, syncGroupMembers: 2 });
      const started = await hub.waitForLog((r) =>
        String(r['msg']).startsWith('hub runtime started'),
      );
      expect(started).toMatchObject({
        realtime: 'POLLING_ONLY',
        msg: 'hub runtime started: polling only (PUBLIC_BASE_URL is not set)',
      });
      const jwt = await partnerJwt('partner-poll');
      const { connectorId } = await activateConnector(hub.url, jwt, tenant);
      const { connector } = await gql<{ connector: { webhooksEnabled: boolean } }>(
        hub.url,
        jwt,
        'query($id:ID!){ connector(id:$id) { webhooksEnabled } }',
        { id: connectorId },
      );
      expect(connector.webhooksEnabled).toBe(false);
      await waitFor(
        async () => (await db.directoryEntraIds(connectorId)).length === 2,
        20_000,
        'the first sync',
      );

      const user = outsider(emulator, tenant, new Set());
      const before = (await db.runs(connectorId)).length;
      emulator.control.addMembers(tenant.tenantId, tenant.syncGroupId, [user]);
      await waitFor(
        async () => (await db.directoryEntraIds(connectorId)).includes(user),
        15_000,
        'the new member through the poll',
      );
      const triggers = (await db.runs(connectorId)).slice(before).map((r) => r.trigger);
      expect(triggers).toContain('POLL');
      expect(triggers).not.toContain('WEBHOOK');
      expect(emulator.control.listSubscriptions(tenant.tenantId)).toEqual([]);
      expect(errorsIn(hub)).toEqual([]);
    });
  });
});
